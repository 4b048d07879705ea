/**
 * At-most-once delivery for retried requests: the first arrival of an envelope
 * runs, later arrivals of the same one (a sender retrying after a reconnect)
 * get the same outcome. Bounded in entries; entries outlive their deadline by a
 * margin, then go.
 *
 * @module
 */

interface Entry {
  readonly outcome: Promise<unknown>;
  readonly until: number;
}

export class Dedupe {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #marginMs: number;
  #hits = 0;

  constructor(max = 10_000, marginMs = 30_000) {
    this.#max = max;
    this.#marginMs = marginMs;
  }

  /** Arrivals answered from an earlier run. */
  get hits(): number {
    return this.#hits;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Run `fn` for `key` once; a repeat within the window gets the first outcome. */
  run(key: string, deadline: number | undefined, now: number, fn: () => Promise<unknown>): Promise<unknown> {
    const found = this.#entries.get(key);
    if (found !== undefined && found.until > now) {
      this.#hits++;
      return found.outcome;
    }
    if (this.#entries.size >= this.#max) this.#prune(now);
    const outcome = fn();
    outcome.catch(() => undefined);
    this.#entries.set(key, { outcome, until: Math.max(deadline ?? now, now) + this.#marginMs });
    return outcome;
  }

  /**
   * Drop expired entries from the oldest on (Map order is insertion order, close to
   * expiry order), stopping at the first live one: amortised O(1) per arrival, where
   * scanning the whole map made every arrival O(max) once it was full. Still full:
   * drop the oldest.
   */
  #prune(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.until > now) break;
      this.#entries.delete(key);
    }
    while (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
