/**
 * casbin's side of the engine comparison: one policy line per (rule, op,
 * resource), matched with `keyMatch` on target and resource (a trailing `*`
 * is a prefix), effect "some allow and no deny".
 *
 * @module
 */
import { newEnforcer, newModelFromString } from 'casbin';
import type { Query, Rule } from './model.js';

export const CASBIN_MODEL = `
[request_definition]
r = sub, act, obj, key

[policy_definition]
p = sub, act, obj, key, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = r.sub == p.sub && r.act == p.act && keyMatch(r.obj, p.obj) && keyMatch(r.key, p.key)
`;

const actionId = (action: string, op: string) => (action === 'call' ? `call:${op}` : action);

/** The rules as casbin policy lines (duplicates removed; casbin refuses them). */
export function casbinLines(rules: readonly Rule[]): string[][] {
  const seen = new Set<string>();
  const lines: string[][] = [];
  for (const rule of rules) {
    for (const op of rule.action === 'call' ? rule.ops : ['']) {
      for (const resource of rule.action === 'call' ? rule.resources : ['*']) {
        const line = [rule.principal, actionId(rule.action, op), rule.to, resource, rule.effect];
        const key = line.join('\u0000');
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push(line);
      }
    }
  }
  return lines;
}

/** A decide function over a casbin enforcer loaded with `rules` (`enforceSync`); true = allow. */
export async function compileCasbin(rules: readonly Rule[]): Promise<{ decide(q: Query): boolean; lines: number }> {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  const lines = casbinLines(rules);
  await enforcer.addPolicies(lines);
  return { decide: (q) => enforcer.enforceSync(q.principal, actionId(q.action, q.op), q.to, q.resource), lines: lines.length };
}
