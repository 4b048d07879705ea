/**
 * One workflow run's records as a tree: every record sharing a `trace_id`, in
 * seq order, nested under the call whose `envelope_id` its `causation_id`
 * names. Records written without `causation_id` stay at the top level in seq
 * order (the tree is then flat, and `linked` says so).
 *
 * @module
 */
import type { LoggedRecord } from '../records.js';

export interface TraceNode {
  readonly record: LoggedRecord;
  readonly children: TraceNode[];
}

export interface TraceTree {
  readonly trace: string;
  readonly records: number;
  /** True when at least one record was placed under its cause. */
  readonly linked: boolean;
  readonly roots: TraceNode[];
  /** First and last `time` of the run, in epoch ms. */
  readonly span: { readonly from: number; readonly to: number } | null;
}

/**
 * Build the tree of `trace` from `records`.
 *
 * @example
 * const tree = traceTree(log.records, 'trace-1');
 * tree.roots[0]?.children.map((child) => child.record.op)
 */
export function traceTree(records: readonly LoggedRecord[], trace: string): TraceTree {
  const members = records.filter((record) => record.trace_id === trace).sort((a, b) => a.seq - b.seq);
  const byEnvelope = new Map<string, TraceNode>();
  const roots: TraceNode[] = [];
  let linked = false;
  for (const record of members) {
    const node: TraceNode = { record, children: [] };
    const cause = record.causation_id;
    const parent = typeof cause === 'string' ? byEnvelope.get(cause) : undefined;
    if (parent) {
      parent.children.push(node);
      linked = true;
    } else {
      roots.push(node);
    }
    if (typeof record.envelope_id === 'string' && !byEnvelope.has(record.envelope_id)) byEnvelope.set(record.envelope_id, node);
  }
  const span = members.length > 0 ? { from: members[0]!.time, to: members.at(-1)!.time } : null;
  return { trace, records: members.length, linked, roots, span };
}
