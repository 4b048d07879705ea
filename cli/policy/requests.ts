/**
 * The requests recorded in an audit log: what each extension asked for, with
 * how often, whatever the verdict was. The input of `policy diff` (shadow
 * evaluation) and `policy learn`.
 *
 * @module
 */
import type { Action } from '../../capabilities/index.js';
import { readRecords } from '../audit/records.js';

export interface RecordedRequest {
  readonly as: string;
  readonly action: Action;
  readonly to: string;
  readonly op: string;
  readonly resource: string;
  /** The verdict the kernel recorded the first time (learning-mode passes count as denied). */
  readonly recorded: 'allow' | 'deny';
  /** Whether it ever went through: allowed, or let through by learning mode. A plain denial did not happen. */
  readonly passed: boolean;
  readonly count: number;
  /** Line of the first record of this request. */
  readonly line: number;
}

const ACTIONS = new Set<string>(['call', 'publish', 'subscribe', 'delegate']);
/** Codes that come from a policy decision; others (no target, overloaded…) say nothing about grants. */
const POLICY_CODES = new Set<string | undefined>([undefined, 'E_DENIED']);

/** Distinct requests in `file`, in order of first appearance. */
export async function recordedRequests(file: string, only?: string): Promise<RecordedRequest[]> {
  const seen = new Map<string, { request: RecordedRequest; count: number; passed: boolean }>();
  for await (const record of readRecords(file)) {
    if (!ACTIONS.has(record.action) || record.verdict === 'info' || !POLICY_CODES.has(record.code)) continue;
    if (record.rule === 'learning-mode') continue; // the paired deny record already names the request
    if (only !== undefined && record.actor !== only) continue;
    const request = {
      as: record.actor,
      action: record.action as Action,
      to: record.target ?? '',
      op: record.action === 'call' ? (record.op ?? '') : '',
      resource: record.action === 'call' ? (record.resource ?? '') : '',
    };
    const key = [request.as, request.action, request.to, request.op, request.resource].join('\u0000');
    const passed = record.verdict === 'allow' || record.detail?.learning !== undefined;
    const entry = seen.get(key);
    if (entry) {
      entry.count++;
      entry.passed ||= passed;
    } else seen.set(key, { request: { ...request, recorded: record.verdict, passed, count: 0, line: record.line }, count: 1, passed });
  }
  return [...seen.values()].map(({ request, count, passed }) => ({ ...request, count, passed }));
}
