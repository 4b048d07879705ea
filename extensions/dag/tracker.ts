/**
 * The tracker: the runs this extension drives, started from `run` or resumed
 * from the event log after a restart, and what `status`, `fail` and `cancel`
 * see of them. Finished runs are kept (up to `keepFinished`) for `status`.
 *
 * @module
 */
import { KernelError, type KernelApi } from '../sdk/worker/index.js';
import { ArtifactsClient, codeOf } from './artifacts.js';
import { cryptoRandom } from './backoff.js';
import type { DagConfig } from './config.js';
import { entryRef, EventLog, type LoggedRun } from './log.js';
import type { RunStatus } from './protocol.js';
import { RunDriver } from './run.js';
import { applyEntry, newRun, rewindInFlight } from './state.js';
import { sleep } from './timing.js';
import { parseWorkflow } from './workflow/parse.js';

export class Tracker {
  readonly #api: KernelApi;
  readonly #config: DagConfig;
  readonly #artifacts: ArtifactsClient;
  readonly #log: EventLog;
  readonly #runs = new Map<string, RunDriver>();
  #closed = false;

  constructor(api: KernelApi, config: DagConfig) {
    this.#api = api;
    this.#config = config;
    this.#artifacts = new ArtifactsClient(api, config.artifacts);
    this.#log = new EventLog(this.#artifacts, config.logPrefix, api);
  }

  /** Start a run of `text` (parsed first: a bad workflow throws with every problem and its line:col). */
  async start(text: string, file: string | undefined, runId: string | undefined): Promise<{ run: RunDriver; existing: boolean }> {
    const known = runId === undefined ? undefined : this.#runs.get(runId);
    if (known) {
      if (known.view.workflow === text) return { run: known, existing: true };
      throw new KernelError('E_BAD_ENVELOPE', `run id "${runId}" is already used by another workflow`, { facts: { runId }, hint: 'pick a new runId, or omit it to get a fresh one' });
    }
    const parsed = parseWorkflow(text, file ?? '(workflow)');
    const active = [...this.#runs.values()].filter((run) => !run.finished).length;
    if (active >= this.#config.maxConcurrentRuns) {
      throw new KernelError('E_OVERLOADED', `${active} runs are in flight, the limit is ${this.#config.maxConcurrentRuns}`, { facts: { active, limit: this.#config.maxConcurrentRuns }, hint: 'retry when a run has finished, or raise data.maxConcurrentRuns of dag' });
    }
    if (runId !== undefined && (await this.#logged(runId))) {
      throw new KernelError('E_BAD_ENVELOPE', `run id "${runId}" was used by an earlier run (its event log exists)`, { facts: { runId }, hint: 'pick a new runId, or omit it to get a fresh one' });
    }
    const id = runId ?? crypto.randomUUID();
    const run = this.#driver(parsed, newRun(id, parsed.plan.order, Date.now()));
    await run.begin({ state: 'started', workflow: text, name: parsed.workflow.name, ...(file ? { file } : {}) });
    return { run, existing: false };
  }

  /** Does the event log already hold run `runId` (from before a restart)? */
  async #logged(runId: string): Promise<boolean> {
    try {
      await this.#artifacts.stat(entryRef(this.#config.logPrefix, runId, 0));
      return true;
    } catch (error) {
      if (codeOf(error) === 'E_NO_TARGET') return false;
      throw error;
    }
  }

  get(runId: string): RunDriver | undefined {
    return this.#runs.get(runId);
  }

  statuses(runId?: string): RunStatus[] {
    const runs = runId === undefined ? [...this.#runs.values()] : [this.#runs.get(runId)].filter((run): run is RunDriver => run !== undefined);
    return runs.map((run) => run.status());
  }

  /**
   * Replay the log: every unfinished run continues where it stopped; nodes that
   * finished are not run again. Retries until the artifact store answers.
   */
  async resume(): Promise<number> {
    let logged: LoggedRun[] | undefined;
    for (let attempt = 1; logged === undefined && !this.#closed; attempt++) {
      try {
        logged = await this.#log.unfinished();
      } catch (error) {
        if (attempt >= 30) throw error;
        this.#api.log('info', 'dag: waiting for the artifact store to replay the event log', { code: codeOf(error), attempt });
        await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
    let resumed = 0;
    for (const { runId, entries } of logged ?? []) {
      if (this.#runs.has(runId)) continue;
      const started = entries.find((e) => e.type === 'run' && e.state === 'started');
      if (!started || started.type !== 'run' || started.workflow === undefined) {
        this.#api.log('warn', 'dag: a logged run has no readable start entry; leaving it', { runId });
        continue;
      }
      const parsed = parseWorkflow(started.workflow, started.file ?? '(workflow)');
      const view = newRun(runId, parsed.plan.order, started.at);
      for (const entry of entries) applyEntry(view, entry);
      if (view.state !== 'running') continue; // ended, but the done marker was not written
      const rewound = rewindInFlight(view);
      const run = this.#driver(parsed, view);
      await run.begin({ state: 'resumed', reason: rewound.length > 0 ? `re-running ${rewound.join(', ')}` : 'continuing' });
      resumed++;
    }
    return resumed;
  }

  close(): void {
    this.#closed = true;
  }

  #driver(parsed: ReturnType<typeof parseWorkflow>, view: ReturnType<typeof newRun>): RunDriver {
    const run = new RunDriver(
      { api: this.#api, config: this.#config, log: this.#log, artifacts: this.#artifacts, random: cryptoRandom, onFinished: () => this.#prune() },
      parsed,
      view,
    );
    this.#runs.set(view.runId, run);
    return run;
  }

  #prune(): void {
    const finished = [...this.#runs.values()].filter((run) => run.finished);
    for (const run of finished.slice(0, Math.max(0, finished.length - this.#config.keepFinished))) this.#runs.delete(run.view.runId);
  }
}
