/**
 * Shadow evaluation (`policy diff --against <log>`): replay the requests an
 * audit log recorded under two policies and list every decision that changes.
 *
 * @module
 */
import { covers, patternWithin, type Grant } from '../../capabilities/index.js';
import type { CompiledPolicy } from '../../policies/index.js';
import type { RecordedRequest } from './requests.js';

export interface ChangedDecision {
  readonly request: RecordedRequest;
  readonly before: 'allow' | 'deny';
  readonly after: 'allow' | 'deny';
  /** The rule deciding under the new policy (`file:line:col`), or null for default deny. */
  readonly rule: string | null;
}

type Verdict = { verdict: 'allow' | 'deny'; rule: string | null };

/**
 * A subscription names a pattern (`dag.*`), decided as the dispatcher decides it:
 * allowed when an allow grant contains the whole pattern and no deny grant does.
 */
function decideSubscribe(grants: readonly Grant[], pattern: string): Verdict {
  const within = (effect: Grant['effect']) => grants.find((g) => g.effect === effect && g.action === 'subscribe' && patternWithin(pattern, g.to));
  const deny = within('deny');
  if (deny) return { verdict: 'deny', rule: deny.rule ?? null };
  const allow = within('allow');
  return allow ? { verdict: 'allow', rule: allow.rule ?? null } : { verdict: 'deny', rule: null };
}

function decide(policy: CompiledPolicy, request: RecordedRequest): Verdict {
  const extension = policy.extensions.get(request.as);
  if (!extension) return { verdict: 'deny', rule: null };
  if (request.action === 'subscribe') return decideSubscribe(extension.grants, request.to);
  const decision = covers(extension.grants, request);
  return { verdict: decision.verdict, rule: decision.grant?.rule ?? null };
}

/** Every recorded request whose verdict differs between `before` and `after`. */
export function shadowDiff(before: CompiledPolicy, after: CompiledPolicy, requests: readonly RecordedRequest[]): ChangedDecision[] {
  const changed: ChangedDecision[] = [];
  for (const request of requests) {
    const old = decide(before, request);
    const next = decide(after, request);
    if (old.verdict !== next.verdict) changed.push({ request, before: old.verdict, after: next.verdict, rule: next.rule });
  }
  return changed;
}
