/**
 * The audit query engine: filters over records, shared by `audit query`,
 * `audit tail` and the audit viewer's API.
 *
 * @module
 */
import { z } from 'zod';
import type { LoggedRecord } from './records.js';

export const AuditFilter = z
  .object({
    ext: z.string().optional(),
    verdict: z.enum(['allow', 'deny', 'info']).optional(),
    op: z.string().optional(),
    action: z.string().optional(),
    trace: z.string().optional(),
    /** Only records at or after this epoch millisecond. */
    since: z.number().optional(),
    /** Case-insensitive text anywhere in actor/target/op/resource/code/why. */
    text: z.string().max(200).optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof AuditFilter>;

/** Does the record pass every filter that is set? `ext` matches the actor or the target. */
export function matches(record: LoggedRecord, filter: AuditFilter): boolean {
  if (filter.ext !== undefined && record.actor !== filter.ext && record.target !== filter.ext) return false;
  if (filter.verdict !== undefined && record.verdict !== filter.verdict) return false;
  if (filter.op !== undefined && record.op !== filter.op) return false;
  if (filter.action !== undefined && record.action !== filter.action) return false;
  if (filter.trace !== undefined && record.trace_id !== filter.trace) return false;
  if (filter.since !== undefined && record.time < filter.since) return false;
  if (filter.text !== undefined) {
    const needle = filter.text.toLowerCase();
    const hay = [record.actor, record.target, record.op, record.resource, record.code, record.why].filter(Boolean).join(' ').toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/** One line of text for a record, as `audit query` and `audit tail` print it. */
export function describeRecord(record: LoggedRecord): string {
  const when = new Date(record.time).toISOString().replace('T', ' ').slice(0, 23);
  const what = record.op ? `${record.target ?? ''}.${record.op}` : (record.target ?? '');
  const resource = record.resource ? ` "${record.resource}"` : '';
  const code = record.code ? ` ${record.code}` : '';
  const rule = record.rule ? ` rule ${record.rule}` : '';
  const why = record.verdict === 'deny' && record.why ? ` (${record.why})` : '';
  return `${when} #${record.seq} ${record.verdict.padEnd(5)} ${record.actor} ${record.action} ${what}${resource}${code}${rule}${why}`;
}
