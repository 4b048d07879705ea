/**
 * Retry policy, pure: how long to wait after a failed attempt (exponential with
 * a cap and jitter), and which error codes are worth another attempt.
 *
 * @module
 */
import type { Backoff } from './workflow/schema.js';

/** Used when neither the node, the workflow defaults nor the policy data set one. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, factor: 2, maxMs: 10_000, jitter: 0.2 };

/**
 * The delay before attempt `failed + 1`: `min(maxMs, baseMs * factor^(failed-1))`,
 * of which a `jitter` fraction is random (`random()` in [0, 1)).
 *
 * @example
 * backoffDelay(3, { baseMs: 100, factor: 2, maxMs: 1000, jitter: 0 }, Math.random) // 400
 */
export function backoffDelay(failed: number, policy: Backoff, random: () => number): number {
  const exponent = Math.max(0, failed - 1);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * policy.factor ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling * (1 - policy.jitter) + ceiling * policy.jitter * r);
}

/**
 * Codes that will not change on a retry: the grant is missing, the request is
 * malformed, the token is bad. Anything else (timeouts, crashes, overload, an
 * instrument's own failure) is retried while attempts remain.
 */
const PERMANENT = new Set(['E_DENIED', 'E_BAD_ENVELOPE', 'E_NOT_SUBSET', 'E_TOKEN_INVALID', 'E_TOKEN_REVOKED', 'E_POLICY_INVALID', 'E_PLUGIN_HASH', 'E_TOO_LARGE']);

/**
 * @example
 * isRetryable('E_TIMEOUT') // true
 * isRetryable('E_DENIED')  // false
 */
export function isRetryable(code: string): boolean {
  return !PERMANENT.has(code);
}

/** A random source from `crypto.getRandomValues` (`Math.random` throws inside the sandbox). */
export function cryptoRandom(): number {
  const word = new Uint32Array(1);
  crypto.getRandomValues(word);
  return word[0]! / 2 ** 32;
}
