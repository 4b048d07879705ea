/**
 * Cedar's side of the engine comparison (`@cedar-policy/cedar-wasm`, Node
 * build): each rule is one `permit` or `forbid`. Principal `Ext::"<id>"`,
 * action `Action::"call:<op>"` / `Action::"publish"` / `Action::"subscribe"`,
 * resource `Target::"<to>"` (in the scope for a literal target); a prefix target
 * or resource key is a `like "prefix*"` condition on `context.to` / `context.key`.
 *
 * @module
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { Query, Rule } from './model.js';

const quote = (text: string) => JSON.stringify(text);
const like = (pattern: string, field: string) => (pattern.endsWith('*') ? `${field} like ${quote(pattern)}` : `${field} == ${quote(pattern)}`);
const actionId = (action: string, op: string) => (action === 'call' ? `call:${op}` : action);

/** The rules as Cedar policy text. */
export function cedarPolicies(rules: readonly Rule[]): string {
  return rules
    .map((rule, i) => {
      const actions = rule.action === 'call' ? rule.ops.map((op) => `Action::${quote(actionId('call', op))}`) : [`Action::${quote(rule.action)}`];
      const resource = rule.to.endsWith('*') ? 'resource' : `resource == Target::${quote(rule.to)}`;
      const conditions: string[] = [];
      if (rule.to.endsWith('*')) conditions.push(like(rule.to, 'context.to'));
      if (!rule.resources.includes('*')) conditions.push(`(${rule.resources.map((r) => like(r, 'context.key')).join(' || ')})`);
      const head = `@id(${quote(`r${i}`)})\n${rule.effect === 'allow' ? 'permit' : 'forbid'} (principal == Ext::${quote(rule.principal)}, action in [${actions.join(', ')}], ${resource})`;
      return conditions.length > 0 ? `${head}\nwhen { ${conditions.join(' && ')} };` : `${head};`;
    })
    .join('\n');
}

function request(q: Query) {
  return {
    principal: { type: 'Ext', id: q.principal },
    action: { type: 'Action', id: actionId(q.action, q.op) },
    resource: { type: 'Target', id: q.to },
    context: { to: q.to, key: q.resource },
  };
}

let nextSet = 0;

/**
 * Decide functions over `rules`: `preparsed` uses a policy set parsed once and
 * kept in the Wasm module (`statefulIsAuthorized`); `parsed` hands Cedar the
 * policy text on every call (`isAuthorized`), as its stateless API does.
 */
export function compileCedar(rules: readonly Rule[]): { preparsed(q: Query): boolean; parsed(q: Query): boolean } {
  const text = cedarPolicies(rules);
  const id = `bench-${++nextSet}`;
  const ok = cedar.preparsePolicySet(id, { staticPolicies: text });
  if (ok.type !== 'success') throw new Error(`cedar rejected the policy: ${JSON.stringify(ok.errors[0])}`);
  const verdict = (answer: cedar.AuthorizationAnswer) => {
    if (answer.type !== 'success') throw new Error(`cedar failed: ${JSON.stringify(answer.errors[0])}`);
    return answer.response.decision === 'allow';
  };
  return {
    preparsed: (q) => verdict(cedar.statefulIsAuthorized({ ...request(q), preparsedPolicySetId: id, entities: [] })),
    parsed: (q) => verdict(cedar.isAuthorized({ ...request(q), policies: { staticPolicies: text }, entities: [] })),
  };
}
