/**
 * The append-only, hash-chained audit log.
 *
 * Each record is one JSON line. Its `hash` is sha256 over the previous record's
 * hash and the exact bytes of this line without the hash, so editing, deleting,
 * inserting or reordering a line breaks the chain at that line.
 *
 * Lines go to pino's destination (sonic-boom) in synchronous mode, so a write
 * error is seen at once rather than in a later event. By default records are
 * batched: up to `BATCH` lines, or whatever accumulated by the end of the
 * current turn of the event loop, go out in one write. A crash therefore loses
 * at most one batch; with `sync: true` every record is written before the
 * decision it records takes effect. On the next start a torn last line is cut
 * off (and that is recorded), so the chain verifies up to the last complete record.
 *
 * When the file cannot be written the log turns unhealthy, and the kernel then
 * refuses every decision (fail closed).
 *
 * @module
 */
import crypto, { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { KernelError } from './errors.js';
import { GENESIS_HASH, redact, type AuditEntry } from './audit-record.js';

type Destination = ReturnType<typeof pino.destination>;

export interface AuditLogOptions {
  /** Written into every record so logs of federated kernels can be told apart. */
  readonly kernel: string;
  /** Write every record before returning (strict; slower) instead of in batches. */
  readonly sync?: boolean;
  readonly clock?: () => number;
}

interface Tail {
  seq: number;
  hash: string;
  /** Bytes of a torn last line that were cut off. */
  truncated: number;
}

const TAIL_WINDOW = 1 << 16;
/** Most records held in memory before they are written. */
const BATCH = 64;

/** Find the last complete record, cutting off a torn line left by a crash. */
function recoverTail(file: string): Tail {
  if (!existsSync(file)) return { seq: 0, hash: GENESIS_HASH, truncated: 0 };
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { seq: 0, hash: GENESIS_HASH, truncated: 0 };
    let window = Math.min(size, TAIL_WINDOW);
    for (;;) {
      const buffer = Buffer.alloc(window);
      readSync(fd, buffer, 0, window, size - window);
      const text = buffer.toString('utf8');
      const end = text.lastIndexOf('\n');
      const start = end === -1 ? -1 : text.lastIndexOf('\n', end - 1);
      if (end !== -1 && (start !== -1 || window === size)) {
        const line = text.slice(start + 1, end);
        const truncated = window - end - 1;
        if (truncated > 0) ftruncateSync(fd, size - truncated);
        const record = JSON.parse(line) as { seq?: unknown; hash?: unknown };
        if (typeof record.seq !== 'number' || typeof record.hash !== 'string') {
          throw new Error('the last record has no seq/hash');
        }
        return { seq: record.seq, hash: record.hash, truncated };
      }
      if (end === -1 && window === size) {
        ftruncateSync(fd, 0);
        return { seq: 0, hash: GENESIS_HASH, truncated: size };
      }
      if (window === size) throw new Error('no complete record found');
      window = Math.min(size, window * 4);
    }
  } catch (cause) {
    throw new KernelError('E_DENIED', `the audit log ${file} cannot be continued: its last record is unreadable`, {
      cause,
      facts: { file },
      hint: 'run "nanokernel audit verify" on it, then move it aside to start a new chain',
    });
  } finally {
    closeSync(fd);
  }
}

const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** sha256 over the previous hash, a newline, and the line without its own hash. */
export function hashLine(prev: string, lineWithoutHash: string): string {
  const data = `${prev}\n${lineWithoutHash}`;
  return oneShot ? oneShot('sha256', data) : createHash('sha256').update(data).digest('hex');
}

/**
 * Append-only audit log writer.
 *
 * @example
 * const log = AuditLog.open('.nanokernel/audit.log', { kernel: 'local' });
 * log.append({ actor: 'a', action: 'call', verdict: 'allow', target: 'b', op: 'ping' });
 * await log.close();
 */
export class AuditLog {
  readonly file: string;
  readonly #clock: () => number;
  readonly #destination: Destination;
  #seq: number;
  #prev: string;
  #failure: Error | undefined;
  #closed = false;
  readonly #sync: boolean;
  #pending: string[] = [];
  #flushScheduled = false;
  #isoAt = -1;
  #iso = '';
  readonly #kernelJson: string;

  private constructor(file: string, destination: Destination, tail: Tail, options: AuditLogOptions) {
    this.file = file;
    this.#destination = destination;
    this.#seq = tail.seq;
    this.#prev = tail.hash;
    this.#kernelJson = JSON.stringify(options.kernel);
    this.#sync = options.sync ?? false;
    this.#clock = options.clock ?? Date.now;
    destination.on('error', (error: Error) => {
      this.#failure ??= error;
    });
  }

  /** Open (or continue) the log at `file`. Throws if it cannot be written: nothing may run unrecorded. */
  static open(file: string, options: AuditLogOptions): AuditLog {
    const absolute = path.resolve(file);
    let destination: Destination;
    let tail: Tail;
    try {
      mkdirSync(path.dirname(absolute), { recursive: true, mode: 0o700 });
      tail = recoverTail(absolute);
      closeSync(openSync(absolute, 'a', 0o600));
      destination = pino.destination({ dest: absolute, sync: true, append: true, mkdir: true });
    } catch (cause) {
      if (cause instanceof KernelError) throw cause;
      throw new KernelError('E_DENIED', `the audit log ${file} cannot be written: ${(cause as Error).message}`, {
        cause,
        facts: { file },
        hint: 'make the directory writable (or point --audit elsewhere); the kernel grants nothing it cannot record',
      });
    }
    const log = new AuditLog(absolute, destination, tail, options);
    log.append({ actor: 'kernel', action: 'audit.open', verdict: 'info', detail: { continued_from: tail.seq } });
    if (tail.truncated > 0) {
      log.append({ actor: 'kernel', action: 'audit.recovered', verdict: 'info', detail: { truncated_bytes: tail.truncated } });
    }
    // Whatever the batching, the first records are written now: a log that cannot take them
    // (disk full, a device that refuses writes) fails the start instead of the first decision.
    log.flush();
    if (log.failure) {
      throw new KernelError('E_DENIED', `the audit log ${file} cannot be written: ${log.failure.message}`, {
        facts: { file },
        hint: 'free disk space or point --audit elsewhere; the kernel grants nothing it cannot record',
      });
    }
    return log;
  }

  /** Records written so far (the last `seq`). */
  get seq(): number {
    return this.#seq;
  }

  /** Why the log cannot be written any more, or `undefined` while it is healthy. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** True while records can be written; the kernel refuses decisions otherwise. */
  get healthy(): boolean {
    return this.#failure === undefined && !this.#closed;
  }

  /** Append one record; returns its `seq`. Throws when the log has failed or is closed. */
  append(entry: AuditEntry, policyHash?: string): number {
    if (!this.healthy) {
      throw new KernelError('E_DENIED', `the audit log cannot be written${this.#failure ? `: ${this.#failure.message}` : ' (closed)'}`, {
        facts: { file: this.file },
        hint: 'free disk space or fix the audit directory permissions, then restart the kernel',
      });
    }
    const time = this.#clock();
    const seq = this.#seq + 1;
    if (time !== this.#isoAt) {
      this.#isoAt = time;
      this.#iso = new Date(time).toISOString();
    }
    // Built by hand in a fixed order: this runs once per decision. Every caller-supplied
    // string goes through JSON.stringify; the verifier hashes the raw bytes, not a re-encoding.
    let line = `{"level":${entry.verdict === 'deny' ? 40 : 30},"time":${time},"msg":"${entry.action} ${entry.verdict}","seq":${seq},"ts":"${this.#iso}","kernel":${this.#kernelJson},"actor":${JSON.stringify(entry.actor)},"action":"${entry.action}","verdict":"${entry.verdict}"`;
    for (const key of FIELD_ORDER) {
      const value = entry[key];
      if (value === undefined) continue;
      line += `,"${key}":${typeof value === 'number' ? (Number.isFinite(value) ? value : 'null') : value === null ? 'null' : JSON.stringify(value)}`;
    }
    if (policyHash !== undefined && entry.policy_hash === undefined) line += `,"policy_hash":${JSON.stringify(policyHash)}`;
    if (entry.detail !== undefined) line += `,"detail":${JSON.stringify(redact(entry.detail))}`;
    line += `,"prev":"${this.#prev}"`;
    const hash = hashLine(this.#prev, `${line}}`);
    this.#pending.push(`${line},"hash":"${hash}"}\n`);
    this.#seq = seq;
    this.#prev = hash;
    if (this.#sync || this.#pending.length >= BATCH) this.flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.#failure) {
      throw new KernelError('E_DENIED', `the audit log cannot be written: ${this.#failure.message}`, { facts: { file: this.file } });
    }
    return seq;
  }

  /** Write out every pending record now. A write error makes the log unhealthy. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0 || this.#failure) return;
    const batch = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('');
    this.#pending = [];
    try {
      this.#destination.write(batch);
    } catch (error) {
      this.#failure ??= error as Error;
    }
  }

  /** Flush and close. Later appends throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    await new Promise<void>((resolve) => {
      this.#destination.once('close', () => resolve());
      this.#destination.end();
    });
  }
}

const FIELD_ORDER = [
  'target',
  'op',
  'resource',
  'rule',
  'why',
  'code',
  'trace_id',
  'span_id',
  'envelope_id',
  'causation_id',
  'token_jti',
  'policy_hash',
  'latency_us',
] as const satisfies readonly (keyof AuditEntry)[];
