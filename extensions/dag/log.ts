/**
 * The tracker's event log, kept in the artifact store so it survives a kernel
 * restart. Append-only: every entry is its own ref, `<prefix><runId>/log/<seq>`
 * (seq zero-padded, one JSON line), never overwritten; a finished run also gets
 * `<prefix><runId>/done`. Replay lists the prefix, reads the entries of runs
 * without `done` in seq order, and folds them with `applyEntry`.
 *
 * Writes of one run are serialised, so entries land in the order they happened.
 *
 * @module
 */
import type { KernelApi } from '../sdk/worker/index.js';
import { codeOf, type ArtifactsClient } from './artifacts.js';
import { LogEntry } from './state.js';
import { sleep } from './timing.js';

const SEQ_DIGITS = 8;
const WRITE_ATTEMPTS = 4;

/** The ref of entry `seq` of run `runId`. */
export const entryRef = (prefix: string, runId: string, seq: number): string => `${prefix}${runId}/log/${String(seq).padStart(SEQ_DIGITS, '0')}`;
/** The marker ref of a finished run. */
export const doneRef = (prefix: string, runId: string): string => `${prefix}${runId}/done`;

/** A run found in the log: its entries in seq order. */
export interface LoggedRun {
  readonly runId: string;
  readonly entries: LogEntry[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class EventLog {
  readonly #artifacts: ArtifactsClient;
  readonly #prefix: string;
  readonly #api: KernelApi;
  readonly #tails = new Map<string, Promise<void>>();

  constructor(artifacts: ArtifactsClient, prefix: string, api: KernelApi) {
    this.#artifacts = artifacts;
    this.#prefix = prefix;
    this.#api = api;
  }

  /** Append `entry` after every earlier write of its run; resolves once it is stored (or given up on). */
  append(entry: LogEntry): Promise<void> {
    return this.#chain(entry.runId, () => this.#write(entryRef(this.#prefix, entry.runId, entry.seq), `${JSON.stringify(entry)}\n`));
  }

  /** Mark a run finished (after its last entry), so replay skips it. */
  markDone(runId: string, state: string): Promise<void> {
    return this.#chain(runId, () => this.#write(doneRef(this.#prefix, runId), `${JSON.stringify({ runId, state })}\n`));
  }

  /** Wait for every pending write of `runId`. */
  async flushed(runId: string): Promise<void> {
    await this.#tails.get(runId);
  }

  #chain(runId: string, write: () => Promise<void>): Promise<void> {
    const next = (this.#tails.get(runId) ?? Promise.resolve()).then(write);
    this.#tails.set(runId, next);
    void next.finally(() => {
      if (this.#tails.get(runId) === next) this.#tails.delete(runId);
    });
    return next;
  }

  async #write(ref: string, data: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#artifacts.put(ref, data);
        return;
      } catch (error) {
        if (attempt >= WRITE_ATTEMPTS) {
          // The run goes on; what was not logged would be redone after a restart.
          this.#api.log('error', 'dag: event log write failed; a restart would not see this entry', { ref, code: codeOf(error) });
          return;
        }
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  /** Every run in the log that has no `done` marker, with its entries. */
  async unfinished(): Promise<LoggedRun[]> {
    const { items } = await this.#artifacts.list(this.#prefix);
    const runs = new Map<string, string[]>();
    const done = new Set<string>();
    for (const { ref } of items) {
      const rest = ref.slice(this.#prefix.length);
      const [runId, kind, seq] = rest.split('/');
      if (!ref.startsWith(this.#prefix) || !runId) continue;
      if (kind === 'done') done.add(runId);
      else if (kind === 'log' && seq && /^\d+$/.test(seq)) (runs.get(runId) ?? runs.set(runId, []).get(runId)!).push(ref);
    }
    const out: LoggedRun[] = [];
    for (const [runId, refs] of runs) {
      if (done.has(runId)) continue;
      refs.sort();
      const entries: LogEntry[] = [];
      for (const ref of refs) {
        const { data } = await this.#artifacts.get(ref);
        const parsed = LogEntry.safeParse(parseJson(data));
        if (parsed.success && parsed.data.runId === runId) entries.push(parsed.data);
        else this.#api.log('warn', 'dag: skipping an unreadable log entry', { ref });
      }
      if (entries.length > 0) out.push({ runId, entries });
    }
    return out;
  }
}
