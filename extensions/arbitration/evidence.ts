/**
 * The evidence of one decision, published on `decision.made.<kind>`: who
 * proposed what with which score, priority and veto, the reducer, the winner.
 * Never the question text; each `reason` cut to {@link EVIDENCE_REASON} characters.
 *
 * @module
 */
import { DecisionMade, EVIDENCE_REASON, type AskReply } from './protocol.js';

/**
 * @example
 * await api.publish(`decision.made.${kind}`, evidence(reply, kind, candidates));
 */
export function evidence(reply: AskReply, kind: string, candidates: readonly string[]): DecisionMade {
  return DecisionMade.parse({
    ...reply,
    kind,
    candidates: [...candidates],
    proposals: reply.proposals.map((p) => ({ ...p, reason: p.reason.slice(0, EVIDENCE_REASON) })),
  });
}
