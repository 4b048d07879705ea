/**
 * A hand-driven clock for the collector and engine unit tests: time moves only
 * when the test calls `advance`, which runs the timers that came due.
 *
 * @module
 */
import type { Clock } from '../../../extensions/arbitration/collector.js';

export class ManualClock implements Clock {
  #now = 1_000_000;
  #next = 1;
  readonly #timers = new Map<number, { at: number; run: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimer(run: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, run });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get timers(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms` without running any timer (an event loop busy elsewhere). */
  stall(ms: number): void {
    this.#now += ms;
  }

  /** Move time forward by `ms`, running due timers in time order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].run();
    }
    this.#now = until;
  }
}
