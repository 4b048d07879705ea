/**
 * Turning a refused request into its coded error and its audit record.
 *
 * @module
 */
import type { Action, Grant, GrantInput } from '../capabilities/index.js';
import { KernelError, type ErrorFacts } from './errors.js';

export interface RequestFacts {
  readonly from: string;
  readonly action: Action;
  readonly to: string;
  readonly op: string;
  readonly resource: string;
}

/** Extra facts a policy layer can add to a denial (e.g. the rule's file:line, a grant to paste). */
export type DenialExplainer = (request: RequestFacts, grant: Grant | null) => ErrorFacts;

/** The smallest grant that would allow the request. */
export function missingGrant(request: RequestFacts): GrantInput {
  return {
    action: request.action,
    to: request.to,
    ...(request.op ? { ops: [request.op] } : {}),
    ...(request.resource ? { resources: [request.resource] } : {}),
  };
}

function describe(request: RequestFacts): string {
  const what = request.action === 'call' ? `call ${request.to}.${request.op}` : `${request.action} ${request.to}`;
  return request.resource ? `${what} on "${request.resource}"` : what;
}

/** The `E_DENIED` error a caller receives; it never reaches the target. */
export function denied(request: RequestFacts, grant: Grant | null, explain: DenialExplainer | undefined): KernelError {
  const byRule = grant !== null;
  const message = byRule
    ? `"${request.from}" may not ${describe(request)}: denied by rule ${grant.rule ?? '(unnamed)'}${grant.why ? ` (${grant.why})` : ''}`
    : `"${request.from}" may not ${describe(request)}: no grant allows it`;
  const hint = byRule
    ? 'a deny rule decided; an allow cannot override it: remove or narrow the deny rule in the policy'
    : `add an allow grant for "${request.from}" in the policy (see facts.missing)`;
  return new KernelError('E_DENIED', message, {
    facts: {
      ...request,
      rule: grant?.rule ?? null,
      ...(grant?.why ? { why: grant.why } : {}),
      ...(byRule ? {} : { missing: missingGrant(request) }),
      ...(explain ? explain(request, grant) : {}),
    },
    hint,
  });
}
