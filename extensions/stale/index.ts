/**
 * The stale manager: every `intervalMs` it asks `pool` to drop expired leases,
 * fails `dag` runs nobody advanced for `abandonedAfterMs`, and asks `artifacts`
 * to delete unreferenced blobs older than `retentionMs`; each sweep's counts are
 * published on `stale.sweep`. A target that is down or fails is recorded in
 * the report, never fatal. Op `sweep` runs one now and answers its report.
 * Protocol: ./protocol.ts; the DAG contract: ./dag-contract.ts; docs:
 * docs/extensions.md#stale.
 *
 * Needs: `clock: true`; `call pool [sweep]`, `call dag [status, fail]`,
 * `call artifacts [gc]`, `publish stale.sweep`.
 *
 * @module
 */
import { KernelError, defineExtension } from '../sdk/worker/index.js';
import { parseConfig } from './config.js';
import { SweepBody } from './protocol.js';
import { Sweeper } from './sweeper.js';

let sweeper: Sweeper | undefined;

export default defineExtension({
  ops: {
    sweep: {
      body: SweepBody,
      handle() {
        if (sweeper === undefined) throw new KernelError('E_NO_TARGET', 'stale: not started yet', { hint: 'retry once the extension has started' });
        return sweeper.sweep('op');
      },
    },
  },
  init(api, data) {
    const config = parseConfig(data);
    if (typeof setTimeout !== 'function') {
      throw new KernelError('E_POLICY_INVALID', 'stale: sweeps need timers; set host.clock: true for stale in the policy');
    }
    sweeper = new Sweeper(api, config);
    sweeper.start();
    api.log('info', 'stale manager started', { intervalMs: config.intervalMs, abandonedAfterMs: config.abandonedAfterMs, retentionMs: config.retentionMs });
  },
  stop() {
    sweeper?.stop();
  },
});
