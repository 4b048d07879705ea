/**
 * The arbitration engine (issue 8): a worker extension that asks resolvers for
 * proposals on `decision.ask.<kind>`, collects them until a deadline, a quorum
 * or every known resolver has answered, reduces them deterministically, and
 * publishes the evidence on `decision.made.<kind>`. See docs/extensions.md#arbitration.
 *
 * It needs the clock grant (deadlines) and `publish` on `decision.ask.*` and
 * `decision.made.*`; resolvers need `subscribe` on `decision.ask.*` and
 * `call arbitration ops [propose]`.
 *
 * @module
 */
import { defineExtension, KernelError } from '../sdk/worker/index.js';
import type { Clock } from './collector.js';
import { readConfig } from './config.js';
import { Engine } from './engine.js';
import { arbitrationOps } from './ops.js';

let engine: Engine | undefined;

/** The sandbox's clock grant: `Date.now` and timers exist only when the policy grants `clock: true`. */
const sandboxClock: Clock = {
  now: () => Date.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export default defineExtension({
  ops: arbitrationOps(() => engine),
  init(_api, data) {
    if (typeof setTimeout !== 'function') {
      throw new KernelError('E_POLICY_INVALID', 'arbitration needs timers for its deadlines, and it has none', { hint: 'grant host: { clock: true } to the arbitration extension in the policy' });
    }
    engine = new Engine(readConfig(data), sandboxClock, () => crypto.randomUUID());
  },
});
