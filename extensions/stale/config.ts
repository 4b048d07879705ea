/**
 * The stale manager's settings, from the policy's `data:`.
 *
 * @module
 */
import { KernelError, z } from '../sdk/worker/index.js';

const Ms = z.number().int().min(0).max(30 * 24 * 3_600_000);

export const StaleConfig = z
  .object({
    /** Time between the end of one timed sweep and the start of the next. */
    intervalMs: z.number().int().min(10).max(24 * 3_600_000),
    /** A run in an active state not updated for longer than this is failed. */
    abandonedAfterMs: Ms,
    /** `artifacts.gc` deletes unreferenced blobs older than this. */
    retentionMs: Ms.default(86_400_000),
    /** Deadline of each call the sweep makes. */
    callTimeoutMs: z.number().int().min(1).max(60_000).default(2_000),
    /** At most this many runs are failed per sweep (the rest wait for the next). */
    maxFailsPerSweep: z.number().int().min(1).max(10_000).default(100),
  })
  .strict();
export type StaleConfig = z.infer<typeof StaleConfig>;

/** Parse `data`; a bad value fails the start with `E_POLICY_INVALID` naming the field. */
export function parseConfig(data: unknown): StaleConfig {
  const result = StaleConfig.safeParse(data ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(data)';
  throw new KernelError('E_POLICY_INVALID', `stale data.${field}: ${issue.message}; fix extensions.stale.data in the policy`, {
    facts: { field },
    hint: 'stale data takes intervalMs, abandonedAfterMs (required), retentionMs, callTimeoutMs, maxFailsPerSweep',
  });
}
