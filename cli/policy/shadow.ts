/**
 * Shadow evaluation (`policy diff --against <log>`): replay the requests an
 * audit log recorded under two policies and list every decision that changes.
 *
 * @module
 */
import { covers, decideSubscription } from '../../capabilities/index.js';
import type { CompiledPolicy } from '../../policies/index.js';
import type { RecordedRequest } from './requests.js';

export interface ChangedDecision {
  readonly request: RecordedRequest;
  readonly before: 'allow' | 'deny';
  readonly after: 'allow' | 'deny';
  /** The rule deciding under the new policy (`file:line:col`), or null for default deny. */
  readonly rule: string | null;
}

function decide(policy: CompiledPolicy, request: RecordedRequest): { verdict: 'allow' | 'deny'; rule: string | null } {
  const extension = policy.extensions.get(request.as);
  if (!extension) return { verdict: 'deny', rule: null };
  // A subscription names a pattern: decided by containment, as the dispatcher decides it.
  const decision = request.action === 'subscribe' ? decideSubscription(extension.grants, request.to) : covers(extension.grants, request);
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
