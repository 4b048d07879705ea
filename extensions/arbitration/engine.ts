/**
 * The engine: ask → publish `decision.ask.<kind>` → collect → reduce → publish
 * `decision.made.<kind>` → reply. It holds no policy beyond its `data:` and
 * never trusts a body for who is speaking: the resolver is `ctx.from`.
 *
 * @module
 */
import { KernelError, type MessageContext } from '../sdk/worker/index.js';
import { Collector, type Clock } from './collector.js';
import type { EngineConfig } from './config.js';
import { evidence } from './evidence.js';
import { AskReply, type AskBody, type ProposeBody, type ProposeReply } from './protocol.js';
import { REDUCERS } from './reducers/index.js';
import { canonical } from './tie-break.js';

function badAsk(message: string, facts: Record<string, unknown>, hint: string): KernelError {
  return new KernelError('E_BAD_ENVELOPE', message, { facts, hint });
}

export class Engine {
  readonly config: EngineConfig;
  readonly collector: Collector;
  readonly #clock: Clock;
  readonly #newId: () => string;

  constructor(config: EngineConfig, clock: Clock, newId: () => string) {
    this.config = config;
    this.#clock = clock;
    this.#newId = newId;
    this.collector = new Collector(clock, config);
  }

  /** Check an ask against the resource it was granted for and the engine's limits. */
  #check(body: AskBody, ctx: MessageContext): { deadlineMs: number } {
    const { kind } = body;
    if (ctx.resource !== kind) {
      throw badAsk(`ask resource "${ctx.resource}" differs from body kind "${kind}"`, { from: ctx.from, kind }, 'call ask with the kind as the resource, e.g. call("arbitration", "ask", "ToolResolution", body)');
    }
    if (!this.config.knownKinds.has(kind)) {
      throw badAsk(`unknown decision kind "${kind}"`, { from: ctx.from, kind }, 'use ToolResolution, AgentResolution or ContextResolution, or add the kind to data.kinds of the arbitration extension');
    }
    const deadlineMs = body.deadlineMs ?? this.config.deadlineMs;
    if (deadlineMs > this.config.maxDeadlineMs) {
      throw badAsk(`deadlineMs ${deadlineMs} is over the engine's maximum of ${this.config.maxDeadlineMs}`, { from: ctx.from, deadlineMs }, `ask with deadlineMs ≤ ${this.config.maxDeadlineMs}, or raise data.maxDeadlineMs (keeping it below host.timeoutMs)`);
    }
    if (body.quorum !== undefined && body.quorum > this.config.maxProposals) {
      throw badAsk(`quorum ${body.quorum} is over data.maxProposals (${this.config.maxProposals})`, { from: ctx.from, quorum: body.quorum }, 'ask with a smaller quorum, or raise data.maxProposals');
    }
    return { deadlineMs };
  }

  /** Handle `ask`: never hangs past the deadline; no proposals → `no_decision`. */
  async ask(body: AskBody, ctx: MessageContext): Promise<AskReply> {
    const { deadlineMs } = this.#check(body, ctx);
    const { kind, question, candidates } = body;
    const reducer = body.reducer ?? this.config.reducer;
    const questionId = this.#newId();
    const deadline = this.#clock.now() + deadlineMs;
    const asked = [...this.config.resolvers].sort();
    // Registered before the event goes out, so no fast proposal is lost.
    const collecting = this.collector.open({ questionId, deadline, quorum: body.quorum, expected: asked });
    try {
      await ctx.api.publish(`decision.ask.${kind}`, { questionId, kind, question, candidates, deadline });
    } catch (error) {
      this.collector.cancel(questionId);
      throw error;
    }
    const { proposals, late, closedBy } = await collecting;
    const verdict = REDUCERS[reducer](proposals, new Set(candidates));
    const reply = AskReply.parse({
      questionId,
      outcome: verdict.winner === undefined ? 'no_decision' : 'decided',
      ...(verdict.winner === undefined ? {} : { winner: verdict.winner }),
      reducer,
      proposals: canonical(proposals),
      asked,
      late,
      closedBy,
      ...(verdict.vetoedBy ? { vetoedBy: [...verdict.vetoedBy] } : {}),
      why: proposals.length === 0 ? `no proposals by the deadline (${deadlineMs} ms)` : verdict.why,
    });
    // Evidence first: a decision that cannot be recorded is not handed out (fail closed).
    await ctx.api.publish(`decision.made.${kind}`, evidence(reply, kind, candidates));
    return reply;
  }

  /** Handle `propose`: the resolver is the kernel-stamped sender; the resource must be the questionId. */
  propose(body: ProposeBody, ctx: MessageContext): ProposeReply {
    if (ctx.resource !== body.questionId) {
      throw badAsk(`propose resource "${ctx.resource}" differs from body questionId`, { from: ctx.from }, 'call propose with the questionId as the resource');
    }
    return this.collector.propose(ctx.from, body);
  }
}
