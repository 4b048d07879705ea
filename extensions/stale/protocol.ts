/**
 * The stale manager's protocol: its one op, `sweep` (run a sweep now), and the
 * report each sweep returns and publishes on `stale.sweep`. A part whose target
 * could not be reached or failed is `null`, and the failure is in `errors`.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

export const SweepBody = z.object({}).strict();

const Count = z.number().int().nonnegative();

export const StepError = z.object({
  target: z.string(),
  op: z.string(),
  code: z.string(),
  message: z.string(),
  runId: z.string().optional(),
});
export type StepError = z.infer<typeof StepError>;

export const SweepReport = z.object({
  /** What started it: the interval timer, or a `sweep` call. */
  trigger: z.enum(['timer', 'op']),
  startedAt: z.number().int(),
  durationMs: Count,
  /** From `pool.sweep`. */
  leases: z.object({ expired: Count, abandoned: Count }).nullable(),
  /** From `dag.status` / `dag.fail`: runs seen, runs found stuck, runs the tracker failed. */
  runs: z.object({ checked: Count, stuck: Count, failed: Count }).nullable(),
  /** From `artifacts.gc`. */
  blobs: z.object({ deleted: Count, freedBytes: Count }).nullable(),
  errors: z.array(StepError),
});
export type SweepReport = z.infer<typeof SweepReport>;
