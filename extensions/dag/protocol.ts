/**
 * The DAG tracker's message protocol: the body and reply of each op, the body
 * an instrument receives for a task, and the body of `dag.*` events.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';
import { NodeState, RunState } from './state.js';

export const RunId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a run id is 1–64 lower-case letters, digits, ".", "_" or "-"');

/** `run`: start a run of the workflow text. */
export const RunBody = z
  .object({
    workflow: z.string().min(1).max(256 * 1024),
    /** Shown in error positions (`flows/report.yaml:4:7`); the tracker never reads files. */
    file: z.string().max(300).optional(),
    /** Reusing a run id with the same workflow returns that run (a retried `run` starts nothing twice). */
    runId: RunId.optional(),
    /** Wait for the run to finish (up to `waitMs`) and answer its final state. */
    wait: z.boolean().default(false),
    waitMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict();

export const NodeStatus = z.object({
  state: NodeState,
  attempt: z.number().int(),
  updatedAt: z.number().int(),
  reason: z.string().optional(),
  instrument: z.string().optional(),
});

export const RunStatus = z.object({
  runId: z.string(),
  name: z.string(),
  state: RunState,
  startedAt: z.number().int(),
  updatedAt: z.number().int(),
  reason: z.string().optional(),
  nodes: z.record(z.string(), NodeStatus),
});
export type RunStatus = z.infer<typeof RunStatus>;

/** `run` answers the id at once, or with `wait` the run's state when it ended (or when `waitMs` passed). */
export const RunReply = z.object({ runId: z.string(), existing: z.boolean().optional(), run: RunStatus.optional() });

/** `status`: every run this tracker knows (or one). The stale sweeper relies on `runs[].runId/state/updatedAt`. */
export const StatusBody = z.object({ runId: RunId.optional() }).strict();
export const StatusReply = z.object({ runs: z.array(RunStatus) });

/** `fail`: mark a running run failed (the stale sweeper's op). */
export const FailBody = z.object({ runId: RunId, reason: z.string().min(1).max(500) }).strict();
export const FailReply = z.object({ failed: z.boolean() });

/** `cancel`: stop a running run; nodes not finished are cancelled. */
export const CancelBody = z.object({ runId: RunId, reason: z.string().max(500).optional() }).strict();
export const CancelReply = z.object({ cancelled: z.boolean() });

/**
 * What an instrument receives as the call body for a task. `cap` is a token
 * delegated for exactly this task: `get` on each ref in `inputs`, `put` on
 * `output`, expiring at `deadline`. Present it as `api.call('artifacts', 'get',
 * ref, {}, { cap })`. Reply with any JSON; it is remembered with the key.
 */
export const TaskBody = z
  .object({
    runId: z.string(),
    nodeId: z.string(),
    attempt: z.number().int().min(1),
    /** The same on every attempt and after a restart: apply the task at most once per key. */
    idempotencyKey: z.string(),
    /** Input name → artifact ref. */
    inputs: z.record(z.string(), z.string()),
    /** The ref to write the result to, if the node has an output. */
    output: z.string().optional(),
    cap: z.string().optional(),
    /** Epoch ms after which the task's token and the call expire. */
    deadline: z.number().int(),
    /** The node's `with:`. */
    params: z.record(z.string(), z.unknown()),
  })
  .strict();
export type TaskBody = z.infer<typeof TaskBody>;

/** `dag.node.<state>` events. */
export const NodeEvent = z.object({
  runId: z.string(),
  nodeId: z.string(),
  state: NodeState,
  attempt: z.number().int(),
  at: z.number().int(),
  seq: z.number().int(),
  reason: z.string().optional(),
  code: z.string().optional(),
  delayMs: z.number().int().optional(),
  output: z.string().optional(),
  instrument: z.string().optional(),
  fallbackFor: z.string().optional(),
});
/** `dag.run.<started|resumed|succeeded|failed|cancelled>` events. */
export const RunEvent = z.object({ runId: z.string(), state: z.string(), at: z.number().int(), seq: z.number().int(), name: z.string().optional(), reason: z.string().optional() });
