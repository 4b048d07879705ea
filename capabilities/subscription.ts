/**
 * Deciding a subscription. A subscription names a topic pattern (`dag.*`), not
 * one topic, so it is decided by containment rather than matching: allowed
 * when an allow grant contains the whole pattern and no deny grant does. A
 * deny inside the pattern (`dag.secret` under `dag.*`) does not refuse the
 * subscription; it is enforced on each event, by the ordinary decision.
 *
 * @module
 */
import type { Decision, Grant } from './grant.js';
import { patternWithin } from './pattern.js';

/**
 * @example
 * decideSubscription([{ effect: 'allow', action: 'subscribe', to: 'dag.*', ops: ['*'], resources: ['*'] }], 'dag.node.*').verdict // 'allow'
 */
export function decideSubscription(grants: readonly Grant[], pattern: string): Decision {
  const containing = (effect: Grant['effect']) => grants.find((g) => g.effect === effect && g.action === 'subscribe' && patternWithin(pattern, g.to));
  const deny = containing('deny');
  if (deny) return { verdict: 'deny', grant: deny };
  const allow = containing('allow');
  return allow ? { verdict: 'allow', grant: allow } : { verdict: 'deny', grant: null };
}
