/**
 * The tracker's settings: the `data:` of its policy entry, validated at `init`.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

export const DagConfig = z.object({
  /** Nodes of one run in flight at once (parallel branches). */
  maxConcurrency: z.number().int().min(1).max(256).default(4),
  /** Runs in flight at once; more `run`s get `E_OVERLOADED`. */
  maxConcurrentRuns: z.number().int().min(1).max(1_000).default(8),
  /** Defaults for nodes that set no `retries`/`backoff`: `attempts` counts the first try. */
  retry: z
    .strictObject({ attempts: z.number().int().min(1).max(21).default(1), backoffMs: z.number().int().min(0).max(600_000).default(200), maxBackoffMs: z.number().int().min(0).default(10_000), jitter: z.number().min(0).max(1).default(0.2) })
    .default({ attempts: 1, backoffMs: 200, maxBackoffMs: 10_000, jitter: 0.2 }),
  /** Per-attempt deadline of a node that sets no `timeoutMs`. */
  defaultTimeoutMs: z.number().int().min(1).max(3_600_000).default(10_000),
  /** Longest `run` with `wait: true` waits; keep it below the tracker's host.timeoutMs. */
  maxWaitMs: z.number().int().min(1).max(600_000).default(20_000),
  /** Where the event log lives in the artifact store. */
  logPrefix: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/$/, 'a ref prefix ending in "/"').default('dag/runs/'),
  /** Replay unfinished runs from the log at start. */
  resume: z.boolean().default(true),
  /** Finished runs kept for `status`. */
  keepFinished: z.number().int().min(0).max(10_000).default(100),
  /** Extension ids of the services the tracker uses. */
  artifacts: z.string().default('artifacts'),
  pool: z.string().default('pool'),
  arbitration: z.string().default('arbitration'),
}).strict();
export type DagConfig = z.output<typeof DagConfig>;
