/**
 * The contract the tracker assumes of the arbitration engine's `ask` op
 * (written by another engineer to match): call `arbitration` op `ask`,
 * resource `<kind>`, body `{ kind, question, candidates, deadlineMs, reducer? }`,
 * reply `{ outcome: 'decided' | 'no_decision', winner?, questionId }`.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

export const AskBody = z
  .object({
    kind: z.string().min(1).max(64),
    question: z.string().min(1).max(500),
    candidates: z.array(z.string().min(1).max(64)).min(1).max(32),
    deadlineMs: z.number().int().min(1).max(60_000),
    reducer: z.string().min(1).max(64).optional(),
  })
  .strict();
export type AskBody = z.infer<typeof AskBody>;

export const AskReply = z.object({
  outcome: z.enum(['decided', 'no_decision']),
  winner: z.string().optional(),
  questionId: z.string(),
});
export type AskReply = z.infer<typeof AskReply>;
