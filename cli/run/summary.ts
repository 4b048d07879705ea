/**
 * What a run leaves to report: its result, the artifacts written (ref → hash),
 * the decisions made, the denials with their reasons, and where the evidence is.
 *
 * @module
 */
import { allRecords } from '../audit/records.js';
import { paint, type Io } from '../output.js';

export interface RunSummary {
  readonly runId: string;
  readonly state: string;
  readonly reason?: string;
  readonly seconds: number;
  readonly nodes: Record<string, string>;
  readonly artifacts: { ref: string; hash: string; size: number }[];
  readonly decisions: { kind: string; outcome: string; winner?: string; reducer?: string; proposals: string[] }[];
  readonly denials: { seq: number; actor: string; request: string; code: string; reason: string }[];
  readonly sweeps: Record<string, unknown>[];
  readonly auditFile: string;
  readonly auditRecords: number;
}

/** Denials recorded after `fromSeq` (this run's), described for a person. */
export async function denialsSince(auditFile: string, fromSeq: number): Promise<RunSummary['denials']> {
  const records = await allRecords(auditFile);
  return records
    .filter((r) => r.seq > fromSeq && r.verdict === 'deny')
    .map((r) => ({
      seq: r.seq,
      actor: r.actor,
      request: r.action === 'call' ? `call ${r.target}.${r.op}${r.resource ? ` "${r.resource}"` : ''}` : `${r.action} ${r.target ?? ''}`,
      code: r.code ?? 'E_DENIED',
      reason: r.why ?? (r.rule ? `denied by rule ${r.rule}` : 'no grant allows it'),
    }));
}

/** One line for a stale sweep report (or the error that prevented it). */
function describeSweep(sweep: Record<string, unknown>): string {
  if (typeof sweep.error === 'string') return `  not run: ${sweep.error}`;
  const part = (name: string, fields: string[]): string => {
    const value = sweep[name] as Record<string, unknown> | null | undefined;
    return value ? `${name} ${fields.map((f) => `${f} ${String(value[f] ?? 0)}`).join(', ')}` : `${name} unavailable`;
  };
  return `  ${[part('leases', ['expired', 'abandoned']), part('runs', ['checked', 'stuck', 'failed']), part('blobs', ['deleted', 'freedBytes'])].join('; ')}`;
}

export function printSummary(io: Io, summary: RunSummary): void {
  if (io.json) {
    io.out(JSON.stringify(summary));
    return;
  }
  const ok = summary.state === 'succeeded';
  const lines = [
    '',
    `${paint(io, 'bold', 'run')} ${summary.runId}: ${ok ? paint(io, 'green', summary.state) : paint(io, 'red', summary.state)}${summary.reason ? ` (${summary.reason})` : ''} in ${summary.seconds.toFixed(1)} s`,
    `  nodes: ${Object.entries(summary.nodes).map(([id, state]) => `${id}=${state}`).join(', ')}`,
    '',
    paint(io, 'bold', 'artifacts written'),
    ...(summary.artifacts.length ? summary.artifacts.map((a) => `  ${a.ref} → sha256:${a.hash.slice(0, 16)}… (${a.size} bytes)`) : ['  none']),
    '',
    paint(io, 'bold', 'decisions'),
    ...(summary.decisions.length
      ? summary.decisions.flatMap((d) => [
          `  ${d.kind}: ${d.outcome}${d.winner ? ` → ${d.winner}` : ''}${d.reducer ? ` (reducer ${d.reducer})` : ''}`,
          ...d.proposals.map((p) => `    proposed by ${p}`),
        ])
      : ['  none']),
    '',
    paint(io, 'bold', 'denials'),
    ...(summary.denials.length ? summary.denials.map((d) => `  ${paint(io, 'red', d.code)} ${d.actor} ${d.request}: ${d.reason} (audit #${d.seq})`) : ['  none']),
    '',
    paint(io, 'bold', 'stale sweep'),
    ...(summary.sweeps.length ? summary.sweeps.map(describeSweep) : ['  none']),
    '',
    `audit log: ${summary.auditFile} (${summary.auditRecords} records, hash-chained)`,
    `inspect it: nanokernel audit query ${summary.auditFile} --verdict deny`,
    `            nanokernel audit verify ${summary.auditFile}`,
  ];
  io.out(lines.join('\n'));
}
