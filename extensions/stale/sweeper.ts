/**
 * Runs sweeps one at a time (a `sweep` call during a timed sweep waits for it),
 * publishes each report on `stale.sweep`, and schedules the next timed sweep
 * `intervalMs` after the previous one ended, so sweeps never overlap.
 *
 * @module
 */
import type { KernelApi } from '../sdk/worker/index.js';
import type { StaleConfig } from './config.js';
import type { StepError, SweepReport } from './protocol.js';
import { sweepBlobs, sweepLeases, sweepRuns } from './steps.js';

export class Sweeper {
  readonly #api: KernelApi;
  readonly #config: StaleConfig;
  #tail: Promise<unknown> = Promise.resolve();
  #timer: number | undefined;
  #stopped = false;

  constructor(api: KernelApi, config: StaleConfig) {
    this.#api = api;
    this.#config = config;
  }

  /** Start the interval: the first timed sweep runs `intervalMs` from now. */
  start(): void {
    this.#schedule();
  }

  /** Run one sweep after any sweep in progress; resolves with its report. */
  sweep(trigger: SweepReport['trigger']): Promise<SweepReport> {
    const run = this.#tail.then(() => this.#once(trigger));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sweep('timer')
        .catch((error: unknown) => this.#api.log('error', 'timed sweep failed', { message: String((error as Error)?.message ?? error).slice(0, 200) }))
        .finally(() => this.#schedule());
    }, this.#config.intervalMs) as unknown as number;
  }

  async #once(trigger: SweepReport['trigger']): Promise<SweepReport> {
    const startedAt = Date.now();
    const errors: StepError[] = [];
    const [leases, runs, blobs] = await Promise.all([
      sweepLeases(this.#api, this.#config, errors),
      sweepRuns(this.#api, this.#config, errors, startedAt),
      sweepBlobs(this.#api, this.#config, errors),
    ]);
    const report: SweepReport = { trigger, startedAt, durationMs: Math.max(0, Date.now() - startedAt), leases, runs, blobs, errors };
    await this.#api.publish('stale.sweep', report).catch((error: unknown) => {
      this.#api.log('warn', 'stale.sweep event not published', { code: (error as { code?: unknown })?.code ?? 'unknown' });
    });
    return report;
  }
}
