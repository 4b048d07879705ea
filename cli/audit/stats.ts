/**
 * `audit stats`: decisions per extension and verdict, the top denials with their
 * reasons, and decision latency percentiles where records carry them.
 *
 * @module
 */
import type { LoggedRecord } from './records.js';

export interface AuditStats {
  readonly records: number;
  readonly decisions: number;
  readonly byExtension: Record<string, { allow: number; deny: number }>;
  readonly topDenials: { actor: string; action: string; target: string; op: string; code: string; why: string; count: number }[];
  readonly latencyUs?: { p50: number; p99: number; samples: number };
}

const DECISIONS = new Set(['call', 'publish', 'subscribe', 'delegate']);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function auditStats(records: readonly LoggedRecord[], top = 10): AuditStats {
  const byExtension: AuditStats['byExtension'] = {};
  const denials = new Map<string, AuditStats['topDenials'][number]>();
  const latencies: number[] = [];
  let decisions = 0;
  for (const record of records) {
    if (!DECISIONS.has(record.action) || record.verdict === 'info') continue;
    decisions++;
    const counts = (byExtension[record.actor] ??= { allow: 0, deny: 0 });
    counts[record.verdict]++;
    if (typeof record.latency_us === 'number') latencies.push(record.latency_us);
    if (record.verdict === 'deny') {
      const key = [record.actor, record.action, record.target, record.op, record.code].join('\u0000');
      const entry = denials.get(key) ?? { actor: record.actor, action: record.action, target: record.target ?? '', op: record.op ?? '', code: record.code ?? '', why: record.why ?? (record.rule ? `rule ${record.rule}` : 'no grant allows it'), count: 0 };
      entry.count++;
      denials.set(key, entry);
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    records: records.length,
    decisions,
    byExtension,
    topDenials: [...denials.values()].sort((a, b) => b.count - a.count).slice(0, top),
    ...(latencies.length > 0 ? { latencyUs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length } } : {}),
  };
}
