/**
 * Our side of the engine comparison: each principal's rules compiled once
 * (`compileGrants`, the matcher every verified token carries), looked up by
 * principal, decided with `Matcher.decide`.
 *
 * @module
 */
import { compileGrants, Grant, type Matcher } from '../../capabilities/index.js';
import type { Query, Rule } from './model.js';

/** The rules of each principal as our grants, in order. */
export function grantsByPrincipal(rules: readonly Rule[]): Map<string, Grant[]> {
  const out = new Map<string, Grant[]>();
  for (const rule of rules) {
    const grant = Grant.parse({ effect: rule.effect, action: rule.action, to: rule.to, ops: [...rule.ops], resources: [...rule.resources] });
    const list = out.get(rule.principal);
    if (list) list.push(grant);
    else out.set(rule.principal, [grant]);
  }
  return out;
}

/** A decide function over compiled matchers; true = allow. */
export function compileOurs(rules: readonly Rule[]): (query: Query) => boolean {
  const matchers = new Map<string, Matcher>();
  for (const [principal, grants] of grantsByPrincipal(rules)) matchers.set(principal, compileGrants(grants));
  return (q) => matchers.get(q.principal)?.decide(q.action, q.to, q.op, q.resource)?.effect === 'allow';
}
