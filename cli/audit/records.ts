/**
 * Reading audit logs: every record with its line number, streamed, so large
 * logs are not loaded at once. The same reader serves `audit query`, `audit
 * stats`, `policy diff`, `policy learn` and the audit viewer.
 *
 * @module
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { KernelError } from '../../nanokernel/index.js';

/** One audit record as read back: its fields, and where it sits in the file. */
export interface LoggedRecord {
  readonly line: number;
  readonly seq: number;
  readonly time: number;
  readonly kernel: string;
  readonly actor: string;
  readonly action: string;
  readonly verdict: 'allow' | 'deny' | 'info';
  readonly target?: string;
  readonly op?: string;
  readonly resource?: string;
  readonly rule?: string | null;
  readonly why?: string;
  readonly code?: string;
  readonly trace_id?: string;
  readonly envelope_id?: string;
  readonly span_id?: string;
  /** The envelope being handled when this request was made (its parent in the trace tree). */
  readonly causation_id?: string;
  readonly token_jti?: string;
  readonly policy_hash?: string;
  readonly latency_us?: number;
  readonly detail?: Record<string, unknown>;
}

/** Throw `E_NO_TARGET` with a hint when there is no log at `file`. */
export function assertReadable(file: string): void {
  if (!existsSync(file)) {
    throw new KernelError('E_NO_TARGET', `no audit log at ${file}`, { facts: { file }, hint: 'pass the path printed by "nanokernel run" (default .nanokernel/audit.log)' });
  }
}

/** Yield every parseable record of `file` in order; unparseable lines are skipped (verify reports them). */
export async function* readRecords(file: string): AsyncGenerator<LoggedRecord> {
  assertReadable(file);
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.length === 0) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof parsed.action !== 'string' || typeof parsed.actor !== 'string') continue;
    yield { ...(parsed as unknown as Omit<LoggedRecord, 'line'>), line };
  }
}

/** Every record of `file` (for commands that need them all). */
export async function allRecords(file: string): Promise<LoggedRecord[]> {
  const out: LoggedRecord[] = [];
  for await (const record of readRecords(file)) out.push(record);
  return out;
}
