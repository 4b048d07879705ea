/**
 * The one log a viewer serves, held in memory and followed as it grows: every
 * record with its line number (parsed the way `readRecords` parses), the chain
 * checked line by line as bytes arrive, and listeners told of new records.
 * Appends are read from the last offset; a file that shrank is read again from
 * the start.
 *
 * @module
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { KernelError } from '../../../nanokernel/index.js';
import type { LoggedRecord } from '../records.js';
import { ChainCheck, type ChainStatus } from './chain.js';

/** What listeners hear after each read: the new records and the chain status, or a full reset. */
export type FollowChange = { readonly kind: 'append'; readonly records: readonly LoggedRecord[]; readonly chain: ChainStatus } | { readonly kind: 'reset'; readonly chain: ChainStatus };

const CHUNK = 1 << 20;
const POLL_MS = 1_000;

/** Parse one line as `readRecords` does: `undefined` for what is not a record. */
function parseRecord(text: string, line: number): LoggedRecord | undefined {
  if (text.length === 0) return undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.action !== 'string' || typeof parsed.actor !== 'string') return undefined;
    return { ...(parsed as unknown as Omit<LoggedRecord, 'line'>), line };
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const log = await LogFollower.open('.nanokernel/audit.log');
 * log.subscribe((change) => console.log(change));
 * log.follow();
 * await log.close();
 */
export class LogFollower {
  readonly file: string;
  #records: LoggedRecord[] = [];
  #bySeq = new Map<number, LoggedRecord>();
  #chain = new ChainCheck();
  #decoder = new StringDecoder('utf8');
  #offset = 0;
  #lines = 0;
  #partial = '';
  #reading: Promise<void> | undefined;
  #again = false;
  #watcher: FSWatcher | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  readonly #listeners = new Set<(change: FollowChange) => void>();

  private constructor(file: string) {
    this.file = file;
  }

  /** Read the whole log once. Throws `E_NO_TARGET` when there is none. */
  static async open(file: string): Promise<LogFollower> {
    if (!existsSync(file)) {
      throw new KernelError('E_NO_TARGET', `no audit log at ${file}`, { facts: { file }, hint: 'pass the path printed by "nanokernel run" (default .nanokernel/audit.log)' });
    }
    const follower = new LogFollower(file);
    await follower.refresh();
    return follower;
  }

  get records(): readonly LoggedRecord[] {
    return this.#records;
  }

  record(seq: number): LoggedRecord | undefined {
    return this.#bySeq.get(seq);
  }

  /** Does the verified part of the chain cover this record? */
  verified(record: LoggedRecord): boolean {
    return this.#chain.verified(record.line);
  }

  chain(): ChainStatus {
    return this.#chain.status({ text: this.#partial, line: this.#lines + 1 });
  }

  subscribe(listener: (change: FollowChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Start watching the file (inotify where there is one, and a slow poll as a net). */
  follow(): void {
    if (this.#poll) return;
    try {
      this.#watcher = watch(this.file, () => void this.refresh());
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      // No watcher on this file system: the poll alone follows it.
    }
    this.#poll = setInterval(() => void this.refresh(), POLL_MS);
    this.#poll.unref();
  }

  /** Read whatever was appended since the last read (reads never overlap). */
  refresh(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readNew();
      } while (this.#again);
    })().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #readNew(): Promise<void> {
    const handle = await open(this.file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const { size } = await handle.stat();
      if (size < this.#offset) this.#reset();
      const start = this.#offset;
      const added: LoggedRecord[] = [];
      const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(0, size - this.#offset)));
      while (this.#offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - this.#offset), this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        this.#take(this.#decoder.write(buffer.subarray(0, bytesRead)), added);
      }
      if (this.#offset !== start) this.#emit({ kind: 'append', records: added, chain: this.chain() });
    } finally {
      await handle.close();
    }
  }

  #take(text: string, added: LoggedRecord[]): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const number = ++this.#lines;
      this.#chain.push(line, number);
      const record = parseRecord(line, number);
      if (record === undefined) continue;
      this.#records.push(record);
      if (typeof record.seq === 'number' && !this.#bySeq.has(record.seq)) this.#bySeq.set(record.seq, record);
      added.push(record);
    }
  }

  #reset(): void {
    this.#records = [];
    this.#bySeq = new Map();
    this.#chain = new ChainCheck();
    this.#decoder = new StringDecoder('utf8');
    this.#offset = 0;
    this.#lines = 0;
    this.#partial = '';
    this.#emit({ kind: 'reset', chain: this.chain() });
  }

  #emit(change: FollowChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  async close(): Promise<void> {
    clearInterval(this.#poll);
    this.#watcher?.close();
    await this.#reading;
  }
}
