/**
 * A token bucket: `perSecond` operations per second, with bursts up to one
 * second's worth. Used to cap how often an extension may call into the kernel.
 *
 * @module
 */
export class RateLimit {
  readonly perSecond: number;
  #tokens: number;
  #last: number;

  constructor(perSecond: number, now: number) {
    this.perSecond = perSecond;
    this.#tokens = perSecond;
    this.#last = now;
  }

  /** Take one token; false when the bucket is empty. */
  take(now: number): boolean {
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
