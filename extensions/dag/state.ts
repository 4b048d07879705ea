/**
 * Run state as a fold over log entries: the same `applyEntry` builds the state
 * while a run executes and when the event log is replayed after a restart, so
 * what survives a restart is exactly what was logged.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';

export const NodeState = z.enum(['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'fallback', 'cancelled']);
export type NodeState = z.infer<typeof NodeState>;
export const RunState = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type RunState = z.infer<typeof RunState>;

/** One line of a run's event log (and, minus `workflow`/`result`, the body of its event). */
export const LogEntry = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run'),
    seq: z.number().int().nonnegative(),
    at: z.number().int(),
    runId: z.string(),
    state: z.enum(['started', 'resumed', 'succeeded', 'failed', 'cancelled']),
    reason: z.string().max(1_000).optional(),
    /** Only on `started`: the workflow text and where it came from, so a restart can re-parse it. */
    workflow: z.string().optional(),
    file: z.string().optional(),
    name: z.string().optional(),
  }),
  z.object({
    type: z.literal('node'),
    seq: z.number().int().nonnegative(),
    at: z.number().int(),
    runId: z.string(),
    nodeId: z.string(),
    state: NodeState,
    attempt: z.number().int().nonnegative(),
    reason: z.string().max(1_000).optional(),
    code: z.string().optional(),
    /** On `retrying`: the wait before the next attempt. */
    delayMs: z.number().int().nonnegative().optional(),
    /** On `succeeded`: the instrument's reply, remembered with the idempotency key. */
    result: z.unknown().optional(),
    idempotencyKey: z.string().optional(),
    output: z.string().optional(),
    /** The instrument that ran (after `decide:`). */
    instrument: z.string().optional(),
    /** On a fallback node: the node it stands in for. */
    fallbackFor: z.string().optional(),
  }),
]);
export type LogEntry = z.infer<typeof LogEntry>;
export type NodeEntry = Extract<LogEntry, { type: 'node' }>;

export interface NodeView {
  state: NodeState;
  attempt: number;
  updatedAt: number;
  reason?: string | undefined;
  result?: unknown;
  instrument?: string | undefined;
}

export interface RunView {
  readonly runId: string;
  name: string;
  file: string;
  workflow: string;
  state: RunState;
  startedAt: number;
  updatedAt: number;
  reason?: string | undefined;
  nextSeq: number;
  readonly nodes: Record<string, NodeView>;
}

/** Node transitions the tracker may make; anything else is a bug and is refused. */
const NEXT: Record<NodeState, readonly NodeState[]> = {
  pending: ['running', 'skipped', 'cancelled'],
  running: ['succeeded', 'failed', 'retrying', 'fallback', 'cancelled'],
  retrying: ['running', 'cancelled'],
  fallback: ['failed', 'cancelled'],
  succeeded: [],
  failed: [],
  skipped: [],
  cancelled: [],
};

/** May a node go from `from` to `to`? */
export const canMove = (from: NodeState, to: NodeState): boolean => NEXT[from].includes(to);

/** A fresh run view: every node pending. */
export function newRun(runId: string, nodeIds: readonly string[], at: number): RunView {
  const nodes: Record<string, NodeView> = {};
  for (const id of nodeIds) nodes[id] = { state: 'pending', attempt: 0, updatedAt: at };
  return { runId, name: '', file: '', workflow: '', state: 'running', startedAt: at, updatedAt: at, nextSeq: 0, nodes };
}

/**
 * Fold one entry into the view. Replay tolerates what a crash can leave (an
 * entry for a node in an unexpected state is applied as written).
 */
export function applyEntry(run: RunView, entry: LogEntry): void {
  run.updatedAt = Math.max(run.updatedAt, entry.at);
  run.nextSeq = Math.max(run.nextSeq, entry.seq + 1);
  if (entry.type === 'run') {
    if (entry.state === 'started') {
      run.startedAt = entry.at;
      run.workflow = entry.workflow ?? run.workflow;
      run.file = entry.file ?? run.file;
      run.name = entry.name ?? run.name;
    } else if (entry.state !== 'resumed') {
      run.state = entry.state;
      run.reason = entry.reason;
    }
    return;
  }
  const node = (run.nodes[entry.nodeId] ??= { state: 'pending', attempt: 0, updatedAt: entry.at });
  node.state = entry.state;
  node.attempt = entry.attempt;
  node.updatedAt = entry.at;
  node.reason = entry.reason;
  if (entry.instrument) node.instrument = entry.instrument;
  if (entry.state === 'succeeded') node.result = entry.result;
}

/**
 * After replay: nodes caught mid-flight (`running`, `retrying`) go back to
 * `pending` so they run again with the same idempotency key; finished nodes
 * keep their state and are never re-run.
 */
export function rewindInFlight(run: RunView): string[] {
  const rewound: string[] = [];
  for (const [id, node] of Object.entries(run.nodes)) {
    if (node.state === 'running' || node.state === 'retrying') {
      node.state = 'pending';
      rewound.push(id);
    }
  }
  return rewound;
}
