/**
 * The collector: the engine's only state. It holds each open question until its
 * deadline, its quorum, or the moment every known resolver has answered, and
 * bounds everything it holds: open questions (`maxPending`), proposals per
 * question (`maxProposals`), one proposal per resolver per question, and a
 * bounded memory of closed questions for counting late proposals.
 *
 * Time comes in through {@link Clock}, so tests drive it by hand.
 *
 * @module
 */
import { KernelError } from '../sdk/worker/index.js';
import type { ClosedBy, Proposal, ProposeBody, ProposeReply } from './protocol.js';

/** Wall clock and one-shot timers (in the sandbox: the clock grant's globals). */
export interface Clock {
  now(): number;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface CollectorLimits {
  readonly maxPending: number;
  readonly maxProposals: number;
  readonly rememberClosed: number;
}

/** What collection produced for one question. */
export interface Collected {
  readonly proposals: readonly Proposal[];
  readonly late: number;
  readonly closedBy: ClosedBy;
}

export interface OpenQuestion {
  readonly questionId: string;
  /** Epoch milliseconds. */
  readonly deadline: number;
  readonly quorum?: number | undefined;
  /** Close early once all of these have proposed. */
  readonly expected: readonly string[];
}

interface Pending {
  readonly question: OpenQuestion;
  readonly proposals: Map<string, Proposal>;
  /** Expected resolvers that have not proposed yet. */
  readonly waiting: Set<string>;
  late: number;
  timer: unknown;
  settle(collected: Collected): void;
}

export class Collector {
  readonly #clock: Clock;
  readonly #limits: CollectorLimits;
  readonly #open = new Map<string, Pending>();
  /** questionId → late proposals after close; insertion order = eviction order. */
  readonly #closed = new Map<string, number>();

  constructor(clock: Clock, limits: CollectorLimits) {
    this.#clock = clock;
    this.#limits = limits;
  }

  /** Questions collecting now. */
  get pending(): number {
    return this.#open.size;
  }

  /** Late proposals counted for a closed question still remembered. */
  lateAfterClose(questionId: string): number | undefined {
    return this.#closed.get(questionId);
  }

  /**
   * Start collecting for `question`. Synchronous registration (so a proposal
   * that races the ask event is never lost); the promise settles at close.
   * Throws `E_OVERLOADED` when `maxPending` questions are open.
   */
  open(question: OpenQuestion): Promise<Collected> {
    if (this.#open.size >= this.#limits.maxPending) {
      throw new KernelError('E_OVERLOADED', `arbitration already has ${this.#limits.maxPending} questions collecting`, {
        facts: { pending: this.#open.size, maxPending: this.#limits.maxPending },
        hint: 'retry after a deadline passes, use shorter deadlines, or raise data.maxPending (keep it below the engine endpoint concurrency)',
      });
    }
    if (this.#open.has(question.questionId)) {
      throw new KernelError('E_BAD_ENVELOPE', `question ${question.questionId} is already open`, { facts: { questionId: question.questionId } });
    }
    return new Promise<Collected>((resolve) => {
      const pending: Pending = {
        question,
        proposals: new Map(),
        waiting: new Set(question.expected),
        late: 0,
        timer: undefined,
        settle: resolve,
      };
      this.#open.set(question.questionId, pending);
      const wait = Math.max(0, question.deadline - this.#clock.now());
      pending.timer = this.#clock.setTimer(() => this.#close(question.questionId, 'deadline'), wait);
    });
  }

  /** Drop an open question without a decision (its ask failed before collecting). */
  cancel(questionId: string): void {
    this.#close(questionId, 'deadline');
  }

  /**
   * Record `from`'s proposal. Late ones are counted and answered `late: true`.
   * A second proposal from one resolver, or one past `maxProposals`, is `E_OVERLOADED`;
   * an unknown question is `E_BAD_ENVELOPE`.
   */
  propose(from: string, body: ProposeBody): ProposeReply {
    const { questionId } = body;
    const pending = this.#open.get(questionId);
    if (pending === undefined) {
      const late = this.#closed.get(questionId);
      if (late === undefined) {
        throw new KernelError('E_BAD_ENVELOPE', `no open or recently closed question ${questionId}`, {
          facts: { from, questionId },
          hint: 'propose only for questionIds received on decision.ask.*, before their deadline',
        });
      }
      this.#closed.set(questionId, late + 1);
      return { accepted: false, late: true };
    }
    if (this.#clock.now() > pending.question.deadline) {
      pending.late++;
      return { accepted: false, late: true };
    }
    if (pending.proposals.has(from)) {
      throw new KernelError('E_OVERLOADED', `"${from}" already proposed for question ${questionId}; one proposal per resolver per question`, {
        facts: { from, questionId },
        hint: 'send one proposal per question; a decision is a function of the set of proposals, so revisions are not accepted',
      });
    }
    if (pending.proposals.size >= this.#limits.maxProposals) {
      throw new KernelError('E_OVERLOADED', `question ${questionId} already holds ${this.#limits.maxProposals} proposals`, {
        facts: { from, questionId, maxProposals: this.#limits.maxProposals },
        hint: 'raise data.maxProposals of the arbitration extension, or ask with a quorum',
      });
    }
    const { proposal, score, priority, veto, reason } = body;
    pending.proposals.set(from, { resolver: from, proposal, score, priority, ...(veto === undefined ? {} : { veto }), reason });
    const { quorum } = pending.question;
    const wasWaiting = pending.waiting.delete(from);
    if (quorum !== undefined && pending.proposals.size >= quorum) this.#close(questionId, 'quorum');
    else if (wasWaiting && pending.waiting.size === 0) this.#close(questionId, 'all');
    return { accepted: true, late: false };
  }

  #close(questionId: string, closedBy: ClosedBy): void {
    const pending = this.#open.get(questionId);
    if (pending === undefined) return;
    this.#open.delete(questionId);
    this.#clock.clearTimer(pending.timer);
    if (this.#limits.rememberClosed > 0) {
      this.#closed.set(questionId, 0);
      if (this.#closed.size > this.#limits.rememberClosed) this.#closed.delete(this.#closed.keys().next().value!);
    }
    pending.settle({ proposals: [...pending.proposals.values()], late: pending.late, closedBy });
  }
}
