/**
 * The DAG tracker: runs workflow files (dependencies, parallel branches,
 * retries with backoff, timeouts, fallbacks, conditions, pool leases,
 * arbitration), delegates each task a token for exactly its artifacts, publishes
 * `dag.node.<state>` / `dag.run.<state>` for every transition, and keeps an
 * event log in the artifact store so runs survive a restart.
 * Format: docs/workflows.md. Ops: docs/extensions.md#dag.
 *
 * @module
 */
import { defineExtension, KernelError, type KernelApi } from '../sdk/worker/index.js';
import { codeOf, messageOf } from './artifacts.js';
import { DagConfig } from './config.js';
import { CancelBody, FailBody, RunBody, StatusBody, type RunStatus } from './protocol.js';
import { Tracker } from './tracker.js';

let tracker: Tracker | undefined;
let config: DagConfig | undefined;

function ready(): Tracker {
  if (!tracker) throw new KernelError('E_TARGET_CRASHED', 'dag: not initialised', { hint: 'the tracker answers once its init has run' });
  return tracker;
}

function loadConfig(data: unknown): DagConfig {
  const result = DagConfig.safeParse(data ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new KernelError('E_POLICY_INVALID', `dag: data.${issue.path.join('.') || '(root)'}: ${issue.message}`, {
    facts: { path: issue.path.join('.') },
    hint: 'fix the dag entry\'s "data:" in the policy; docs/extensions.md#dag lists the settings',
  });
}

export default defineExtension({
  ops: {
    run: {
      body: RunBody,
      async handle({ workflow, file, runId, wait, waitMs }): Promise<{ runId: string; existing?: boolean; run?: RunStatus }> {
        const { run, existing } = await ready().start(workflow, file, runId);
        const id = run.view.runId;
        if (!wait) return { runId: id, ...(existing ? { existing } : {}) };
        await run.whenFinished(Math.min(waitMs ?? config!.maxWaitMs, config!.maxWaitMs));
        return { runId: id, ...(existing ? { existing } : {}), run: run.status() };
      },
    },
    status: {
      body: StatusBody,
      handle: ({ runId }): { runs: RunStatus[] } => ({ runs: ready().statuses(runId) }),
    },
    fail: {
      body: FailBody,
      async handle({ runId, reason }): Promise<{ failed: boolean }> {
        const run = ready().get(runId);
        return { failed: run ? await run.stop('failed', reason) : false };
      },
    },
    cancel: {
      body: CancelBody,
      async handle({ runId, reason }): Promise<{ cancelled: boolean }> {
        const run = ready().get(runId);
        return { cancelled: run ? await run.stop('cancelled', reason ?? 'cancelled') : false };
      },
    },
  },
  init(api: KernelApi, data: unknown) {
    config = loadConfig(data);
    tracker = new Tracker(api, config);
    if (!config.resume) return;
    // Not awaited: the artifact store may start after us; resume waits for it.
    const current = tracker;
    void current
      .resume()
      .then((count) => count > 0 && api.log('info', `dag: resumed ${count} run(s) from the event log`))
      .catch((error: unknown) => api.log('error', `dag: resume failed: ${messageOf(error)}`, { code: codeOf(error) }));
  },
  stop() {
    tracker?.close();
  },
});
