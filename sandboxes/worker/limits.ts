/**
 * Limits a worker sandbox derives from its host grants: the V8 resource limits
 * of the thread, and the per-second budget of kernel calls.
 *
 * @module
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { HostGrants } from '../../capabilities/index.js';
import { RateLimit } from '../../nanokernel/rate-limit.js';
import { KernelError } from '../../nanokernel/errors.js';

/** Stack size of a sandbox thread, in MB: deep enough for zod, small enough to fail fast. */
export const STACK_SIZE_MB = 4;

/**
 * `memoryMb` is the old-generation heap, where nearly everything an extension
 * keeps lives; the young generation is a slice of it (at most 16 MB).
 */
export function resourceLimitsFor(grants: Pick<HostGrants, 'memoryMb'>): ResourceLimits {
  return {
    maxOldGenerationSizeMb: grants.memoryMb,
    maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(grants.memoryMb / 4))),
    stackSizeMb: STACK_SIZE_MB,
  };
}

/**
 * A token bucket: `perSecond` tokens, refilled continuously. `take()` throws
 * `E_OVERLOADED` when the bucket is empty.
 *
 * @example
 * const bucket = new RateLimiter('my-ext', 100); bucket.take('call');
 */
export class RateLimiter {
  readonly #id: string;
  readonly #bucket: RateLimit;

  constructor(id: string, perSecond: number) {
    this.#id = id;
    this.#bucket = new RateLimit(perSecond, performance.now());
  }

  take(what: string): void {
    if (this.#bucket.take(performance.now())) return;
    const perSecond = this.#bucket.perSecond;
    throw new KernelError('E_OVERLOADED', `extension "${this.#id}" made more than ${perSecond} kernel calls in a second (${what} refused)`, {
      facts: { extension: this.#id, maxCallsPerSecond: perSecond, action: what },
      hint: 'slow down (batch work into fewer calls) or raise host.maxCallsPerSecond in the policy',
    });
  }
}
