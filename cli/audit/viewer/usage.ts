/**
 * The per-extension view: what the policy grants beside what the log shows each
 * extension asked for (`recordedRequests`, the input of `policy diff` and
 * `policy learn`), which rule decides each request under the given policy, the
 * grants no request used, and the least-privilege rules `policy learn` would write.
 *
 * @module
 */
import { explain } from '../../../policies/index.js';
import { learnRules } from '../../policy/learn.js';
import { recordedRequests, type RecordedRequest } from '../../policy/requests.js';
import type { PolicyInfo } from './policy-info.js';

function decided(info: PolicyInfo | undefined, request: RecordedRequest) {
  if (!info) return {};
  const answer = explain(info.policy, { as: request.as, action: request.action, to: request.to, op: request.op, resource: request.resource });
  return { now: answer.verdict, rule: answer.rule?.id ?? null };
}

/**
 * Granted vs used for every extension in the log or the policy.
 *
 * @example
 * const views = await extensionUsage('.nanokernel/audit.log', info);
 * views.find((v) => v.id === 'dag')?.unused // grants no request needed
 */
export async function extensionUsage(file: string, info: PolicyInfo | undefined) {
  const requests = await recordedRequests(file);
  const ids = new Set<string>(requests.map((request) => request.as));
  for (const id of info?.policy.extensions.keys() ?? []) ids.add(id);
  return [...ids].sort().map((id) => {
    const used = requests.filter((request) => request.as === id).map((request) => ({ ...request, ...decided(info, request) }));
    const extension = info?.policy.extensions.get(id);
    const granted = extension?.grants.map((grant) => ({
      effect: grant.effect,
      action: grant.action,
      to: grant.to,
      ops: grant.ops,
      resources: grant.resources,
      rule: grant.rule ?? null,
      why: grant.why ?? null,
      uses: used.filter((request) => 'rule' in request && request.rule === grant.rule).reduce((sum, request) => sum + request.count, 0),
    }));
    return {
      id,
      sandbox: extension?.sandbox ?? null,
      inPolicy: extension !== undefined,
      granted: granted ?? null,
      unused: granted?.filter((grant) => grant.effect === 'allow' && grant.uses === 0).map((grant) => grant.rule) ?? null,
      used,
      learned: learnRules(requests.filter((request) => request.as === id)),
    };
  });
}
