/**
 * `covers`: the reference decision, written for clarity. The compiled matcher
 * (matcher.ts) must agree with it on every request; tests check that.
 *
 * @module
 */
import type { Decision, Grant, Request } from './grant.js';
import { patternMatches } from './pattern.js';

/** Does one grant match the request, ignoring its effect? */
export function grantMatches(grant: Grant, request: Request): boolean {
  return (
    grant.action === request.action &&
    patternMatches(grant.to, request.to) &&
    grant.ops.some((op) => patternMatches(op, request.op)) &&
    grant.resources.some((resource) => patternMatches(resource, request.resource))
  );
}

/**
 * Decide a request: the first matching deny wins; else the first matching allow;
 * else default deny with no deciding grant.
 *
 * @example
 * covers([{ effect: 'allow', action: 'call', to: 'b', ops: ['*'], resources: ['*'] }],
 *        { action: 'call', to: 'b', op: 'ping', resource: '' }).verdict // 'allow'
 */
export function covers(grants: readonly Grant[], request: Request): Decision {
  let allow: Grant | null = null;
  for (const grant of grants) {
    if (!grantMatches(grant, request)) continue;
    if (grant.effect === 'deny') return { verdict: 'deny', grant };
    allow ??= grant;
  }
  return allow ? { verdict: 'allow', grant: allow } : { verdict: 'deny', grant: null };
}
