/**
 * The three parts of a sweep, each asking one extension: `pool.sweep`,
 * `dag.status` + `dag.fail`, `artifacts.gc`. A part never throws: a target that
 * is not running (`E_NO_TARGET`), refuses, fails, or answers outside its
 * contract becomes a `StepError` and the part's counts are `null`.
 *
 * @module
 */
import type { KernelApi, z } from '../sdk/worker/index.js';
import { z as zod } from '../sdk/worker/index.js';
import type { GcBody, GcReply as ArtifactsGcReply } from '../artifacts/protocol.js';
import type { SweepReply as PoolSweepReplyOf } from '../pool/protocol.js';
import type { StaleConfig } from './config.js';
import { ACTIVE_STATES, DagFailReply, DagStatusReply, type DagFailBody } from './dag-contract.js';
import type { StepError, SweepReport } from './protocol.js';

const Count = zod.number().int().nonnegative();
/**
 * The replies of pool and artifacts, restated here: their protocol modules
 * import `zod` directly, which the sandbox does not provide as a named export.
 * The assignments below fail to compile if the restatements drift.
 */
const PoolSweepReply = zod.object({ expired: Count, abandoned: Count });
const GcReply = zod.object({ deleted: Count, freedBytes: Count });
const poolMatches: z.infer<typeof PoolSweepReplyOf> = {} as z.infer<typeof PoolSweepReply>;
const gcMatches: z.infer<typeof ArtifactsGcReply> = {} as z.infer<typeof GcReply>;
void poolMatches;
void gcMatches;

type Errors = StepError[];

const describe = (error: unknown): { code: string; message: string } => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : 'E_TARGET_CRASHED', message: message.slice(0, 300) };
};

/** Call `to.op` and check the reply against `schema`; record any failure and answer `undefined`. */
async function ask<S extends z.ZodType>(api: KernelApi, config: StaleConfig, errors: Errors, to: string, op: string, resource: string, body: unknown, schema: S, runId?: string): Promise<z.infer<S> | undefined> {
  const where = { target: to, op, ...(runId === undefined ? {} : { runId }) };
  let reply: unknown;
  try {
    reply = await api.call(to, op, resource, body, { timeoutMs: config.callTimeoutMs });
  } catch (error) {
    errors.push({ ...where, ...describe(error) });
    return undefined;
  }
  const parsed = schema.safeParse(reply);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') || '(reply)';
  errors.push({ ...where, code: 'E_BAD_ENVELOPE', message: `${to}.${op} reply field "${field}": ${issue?.message ?? 'invalid'} (see extensions/stale/dag-contract.ts and the target's protocol)`.slice(0, 300) });
  return undefined;
}

export async function sweepLeases(api: KernelApi, config: StaleConfig, errors: Errors): Promise<SweepReport['leases']> {
  return (await ask(api, config, errors, 'pool', 'sweep', '', {}, PoolSweepReply)) ?? null;
}

export async function sweepBlobs(api: KernelApi, config: StaleConfig, errors: Errors): Promise<SweepReport['blobs']> {
  const body: z.input<typeof GcBody> = { olderThanMs: config.retentionMs };
  return (await ask(api, config, errors, 'artifacts', 'gc', '', body, GcReply)) ?? null;
}

/** Fail every active run not updated for longer than `abandonedAfterMs` (at most `maxFailsPerSweep`). */
export async function sweepRuns(api: KernelApi, config: StaleConfig, errors: Errors, now: number): Promise<SweepReport['runs']> {
  const status = await ask(api, config, errors, 'dag', 'status', '', {}, DagStatusReply);
  if (status === undefined) return null;
  const stuck = status.runs.filter((run) => ACTIVE_STATES.includes(run.state) && now - run.updatedAt > config.abandonedAfterMs);
  const outcomes = await Promise.all(
    stuck.slice(0, config.maxFailsPerSweep).map((run) => {
      const idleMs = now - run.updatedAt;
      const body: DagFailBody = { runId: run.runId, reason: `abandoned: no progress for ${idleMs} ms (stale.abandonedAfterMs is ${config.abandonedAfterMs})` };
      return ask(api, config, errors, 'dag', 'fail', run.runId, body, DagFailReply, run.runId);
    }),
  );
  return { checked: status.runs.length, stuck: stuck.length, failed: outcomes.filter((outcome) => outcome?.failed === true).length };
}
