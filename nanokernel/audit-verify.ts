/**
 * Check an audit log's hash chain and report the first line that breaks it.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { hashLine } from './audit-log.js';
import { GENESIS_HASH } from './audit-record.js';

export interface AuditVerification {
  readonly ok: boolean;
  /** Complete records that verified. */
  readonly records: number;
  /** 1-based line number of the first broken line, with the reason. */
  readonly broken?: { readonly line: number; readonly reason: string };
  /** Kernel ids seen in the log. */
  readonly kernels: readonly string[];
  /** The last line was cut short (a crash mid-write); everything before it verified. */
  readonly tornTail?: boolean;
}

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** Check one line against the previous hash; returns the reason it fails, if it does. */
export function checkLine(line: string, prevHash: string, expectedSeq: number): { reason?: string; hash?: string; kernel?: string } {
  const match = HASH_SUFFIX.exec(line);
  if (!match) return { reason: 'the line has no hash at its end (edited, or not an audit record)' };
  let record: { seq?: unknown; prev?: unknown; kernel?: unknown };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    return { reason: 'the line is not valid JSON' };
  }
  const hash = match[1]!;
  if (record.prev !== prevHash) {
    return { reason: `its "prev" does not match the previous record's hash (a record before it was removed, inserted or reordered)` };
  }
  if (record.seq !== expectedSeq) return { reason: `its seq is ${String(record.seq)}, expected ${expectedSeq}` };
  const body = `${line.slice(0, match.index)}}`;
  if (hashLine(prevHash, body) !== hash) return { reason: 'its content does not match its hash (the record was edited)' };
  return { hash, kernel: typeof record.kernel === 'string' ? record.kernel : undefined };
}

/**
 * Verify the chain of the log at `file`.
 *
 * @example
 * const result = await verifyAuditLog('.nanokernel/audit.log');
 * if (!result.ok) console.error(`broken at line ${result.broken?.line}: ${result.broken?.reason}`);
 */
export async function verifyAuditLog(file: string): Promise<AuditVerification> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let prev = GENESIS_HASH;
  let lineNumber = 0;
  let records = 0;
  const kernels = new Set<string>();
  let torn: { line: number; reason: string } | undefined;
  for await (const line of lines) {
    lineNumber++;
    if (torn) {
      lines.close();
      return { ok: false, records, broken: torn, kernels: [...kernels] };
    }
    const result = checkLine(line, prev, records + 1);
    if (result.reason !== undefined) {
      // An unparseable last line is what a crash mid-write leaves; anywhere else it is damage.
      if (/not valid JSON|no hash/.test(result.reason)) {
        torn = { line: lineNumber, reason: result.reason };
        continue;
      }
      lines.close();
      return { ok: false, records, broken: { line: lineNumber, reason: result.reason }, kernels: [...kernels] };
    }
    prev = result.hash!;
    if (result.kernel) kernels.add(result.kernel);
    records++;
  }
  return torn ? { ok: true, records, kernels: [...kernels], tornTail: true } : { ok: true, records, kernels: [...kernels] };
}
