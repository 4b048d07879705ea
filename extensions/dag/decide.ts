/**
 * `decide:`: ask the arbitration engine which instrument runs a node
 * (arbitration-contract.ts). A winner must be one of the candidates; with no
 * decision the node's `use` is taken, and without one the attempt fails.
 *
 * @module
 */
import { KernelError, type KernelApi } from '../sdk/worker/index.js';
import { AskBody, AskReply } from './arbitration-contract.js';
import { checkReply } from './artifacts.js';
import type { Decide } from './workflow/schema.js';

/**
 * @example
 * const instrument = await chooseInstrument(api, 'arbitration', node.decide, node.use, deadline);
 */
export async function chooseInstrument(api: KernelApi, arbitration: string, decide: Decide, fallbackUse: string | undefined, deadline: number): Promise<string> {
  const body = AskBody.parse({ kind: decide.kind, question: decide.question, candidates: decide.candidates, deadlineMs: decide.deadlineMs, ...(decide.reducer ? { reducer: decide.reducer } : {}) });
  const timeoutMs = Math.max(1, Math.min(deadline - Date.now(), decide.deadlineMs + 1_000));
  const reply = checkReply(AskReply, await api.call(arbitration, 'ask', decide.kind, body, { timeoutMs }), `${arbitration} ask`);
  if (reply.outcome === 'decided') {
    if (reply.winner !== undefined && decide.candidates.includes(reply.winner)) return reply.winner;
    throw new KernelError('E_BAD_ENVELOPE', `arbitration chose ${JSON.stringify(reply.winner ?? null)}, which is not one of the candidates`, {
      facts: { questionId: reply.questionId, candidates: decide.candidates },
      hint: 'the arbitration engine must answer a winner from the candidates it was given',
    });
  }
  if (fallbackUse !== undefined) return fallbackUse;
  throw new KernelError('E_TIMEOUT', `arbitration reached no decision on "${decide.question.slice(0, 80)}"`, {
    facts: { questionId: reply.questionId, kind: decide.kind },
    hint: 'add "use:" to the node as the default when no decision is reached, or raise decide.deadlineMs',
  });
}
