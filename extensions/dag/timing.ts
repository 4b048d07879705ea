/**
 * Time helpers over the clock endowment (`clock: true` in the tracker's host
 * grants): a sleep and a race against a deadline that fails with `E_TIMEOUT`.
 *
 * @module
 */
import { KernelError } from '../sdk/worker/index.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * `work`, or `E_TIMEOUT` after `ms` (the work itself is not stopped; the kernel's
 * own call deadline stops the target).
 *
 * @example
 * await withTimeout(api.call('slow', 'handle', '', body, { timeoutMs: 500 }), 600, 'node "slow"');
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KernelError('E_TIMEOUT', `${what} did not finish within ${ms} ms`, { facts: { timeoutMs: ms }, hint: 'raise the node\'s timeoutMs, or make the instrument faster' })),
      Math.max(0, ms),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
