/**
 * The per-plugin limit on host calls (`host.maxCallsPerSecond`): a token bucket
 * refilled continuously, holding at most one second's worth.
 *
 * @module
 */

/**
 * @example
 * const limit = new HostCallLimit(100);
 * if (!limit.take()) return overloaded();
 */
export class HostCallLimit {
  readonly perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.perSecond = perSecond;
    this.#now = now;
    this.#tokens = perSecond;
    this.#last = now();
  }

  /** Take one token; false when the plugin has used its calls for this second. */
  take(): boolean {
    const now = this.#now();
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.perSecond, this.#tokens + (elapsed * this.perSecond) / 1000);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
