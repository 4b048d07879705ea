/**
 * What the stale manager expects of the DAG tracker (`dag`): the contract the
 * tracker implements. Both calls are made with the stale manager's own token.
 *
 * | op | resource | body | reply |
 * |---|---|---|---|
 * | `status` | `""` | `{}` | `{ runs: [{ runId, state, updatedAt }] }` |
 * | `fail` | the `runId` | `{ runId, reason }` | `{ failed: boolean }` |
 *
 * - `state` is one of `pending`, `running` (active: may be failed when stuck),
 *   `succeeded`, `failed`, `cancelled` (terminal: never touched).
 * - `updatedAt` is epoch milliseconds of the run's last state transition or
 *   progress; a run is abandoned when `now - updatedAt > abandonedAfterMs`.
 * - `fail` answers `{ failed: false }` when the run is unknown or already
 *   terminal (it moved on between `status` and `fail`); that is not an error.
 * - `runId` is 1–128 characters of `A-Z a-z 0-9 . _ : -` (it is used as the
 *   resource of `fail`, so grants can name runs).
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

export const RunState = z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled']);
export type RunState = z.infer<typeof RunState>;

/** States in which a run can be stuck. */
export const ACTIVE_STATES: readonly RunState[] = ['pending', 'running'];

export const RunId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a runId is 1-128 characters of A-Z a-z 0-9 . _ : -');

export const DagRun = z.object({ runId: RunId, state: RunState, updatedAt: z.number().int().nonnegative() });
export type DagRun = z.infer<typeof DagRun>;

export const DagStatusBody = z.object({}).strict();
export const DagStatusReply = z.object({ runs: z.array(DagRun).max(100_000) });
export type DagStatusReply = z.infer<typeof DagStatusReply>;

export const DagFailBody = z.object({ runId: RunId, reason: z.string().min(1).max(500) }).strict();
export type DagFailBody = z.infer<typeof DagFailBody>;
export const DagFailReply = z.object({ failed: z.boolean() });
export type DagFailReply = z.infer<typeof DagFailReply>;
