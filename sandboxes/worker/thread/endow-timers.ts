/**
 * Clock and timer endowments, given only when the extension's host grants say
 * `clock: true`. `Date` is the original constructor (its `now()` works, unlike
 * the tamed one in a Compartment); timers return plain numbers, never Node's
 * `Timeout` objects (whose prototype is not hardened), and accept functions only.
 * A timer callback that throws is logged, not fatal.
 *
 * @module
 */
import type { KernelApi } from '../../../extensions/sdk/worker/index.js';

/** Live timers one extension may hold at once. */
export const MAX_TIMERS = 10_000;

type Callback = (...args: unknown[]) => unknown;

/** Build `Date`, `setTimeout`, `clearTimeout`, `setInterval`, `clearInterval`, `performance`. */
export function clockEndowments(api: Pick<KernelApi, 'log'>, OriginalDate: DateConstructor): Record<string, unknown> {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  const run = (id: number, repeat: boolean, callback: Callback, args: unknown[]) => () => {
    if (!repeat) timers.delete(id);
    try {
      const result = Reflect.apply(callback, undefined, args);
      if (result instanceof Promise) result.catch((error: unknown) => report(error));
    } catch (error) {
      report(error);
    }
  };
  const report = (error: unknown) =>
    api.log('error', `timer callback failed: ${error instanceof Error ? error.message : typeof error}`.slice(0, 500));
  const schedule = (repeat: boolean) => (callback: unknown, ms?: unknown, ...args: unknown[]): number => {
    if (typeof callback !== 'function') throw new TypeError('timers take a function (strings are never evaluated)');
    if (timers.size >= MAX_TIMERS) throw new RangeError(`at most ${MAX_TIMERS} timers may be pending`);
    const delay = Math.max(0, Math.min(Number(ms) || 0, 2_147_483_647));
    const id = nextId++;
    const fire = run(id, repeat, callback as Callback, args);
    timers.set(id, repeat ? setInterval(fire, delay) : setTimeout(fire, delay));
    return id;
  };
  const clear = (id: unknown): void => {
    const timer = typeof id === 'number' ? timers.get(id) : undefined;
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(id as number);
  };
  return {
    Date: OriginalDate,
    setTimeout: harden(schedule(false)),
    setInterval: harden(schedule(true)),
    clearTimeout: harden(clear),
    clearInterval: harden(clear),
    performance: harden({ now: () => performance.now() }),
  };
}
