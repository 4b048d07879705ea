/**
 * The hash chain checked one line at a time, with the same rules as
 * `verifyAuditLog` (and the same `checkLine`): the first bad line breaks the
 * chain for good; an unparseable line is a torn tail while it is the last one,
 * and damage once another line follows it.
 *
 * @module
 */
import { GENESIS_HASH, checkLine } from '../../../nanokernel/index.js';

/** Where the chain stands: what `audit verify` would print for the bytes seen so far. */
export interface ChainStatus {
  readonly ok: boolean;
  /** Records that verified. */
  readonly records: number;
  /** 1-based line of the first broken line, with the reason. */
  readonly broken?: { readonly line: number; readonly reason: string };
  /** The last line is cut short (a crash, or a write in progress); everything before it verified. */
  readonly tornTail?: boolean;
}

const TORN = /not valid JSON|no hash/;

/**
 * Incremental chain checker.
 *
 * @example
 * const chain = new ChainCheck();
 * for (const line of lines) chain.push(line, ++lineNumber);
 * chain.status(); // { ok: true, records: 12 }
 */
export class ChainCheck {
  #prev = GENESIS_HASH;
  #records = 0;
  #broken: { line: number; reason: string } | undefined;
  #torn: { line: number; reason: string } | undefined;

  /** Check one complete line (without its newline) found at 1-based `line`. */
  push(text: string, line: number): void {
    if (this.#broken) return;
    if (this.#torn) {
      this.#broken = this.#torn;
      this.#torn = undefined;
      return;
    }
    const result = checkLine(text, this.#prev, this.#records + 1);
    if (result.reason === undefined) {
      this.#prev = result.hash!;
      this.#records++;
    } else if (TORN.test(result.reason)) {
      this.#torn = { line, reason: result.reason };
    } else {
      this.#broken = { line, reason: result.reason };
    }
  }

  /** Is the record on `line` covered by the verified part of the chain? */
  verified(line: number): boolean {
    const stop = this.#broken?.line ?? this.#torn?.line;
    return stop === undefined || line < stop;
  }

  /** The status, treating `pending` (the bytes after the last newline, at `line`) as the last line. */
  status(pending?: { readonly text: string; readonly line: number }): ChainStatus {
    if (this.#broken) return { ok: false, records: this.#records, broken: this.#broken };
    if (this.#torn) return { ok: true, records: this.#records, tornTail: true };
    if (pending !== undefined && pending.text.length > 0) {
      const result = checkLine(pending.text, this.#prev, this.#records + 1);
      if (result.reason === undefined) return { ok: true, records: this.#records + 1 };
      if (!TORN.test(result.reason)) return { ok: false, records: this.#records, broken: { line: pending.line, reason: result.reason } };
      return { ok: true, records: this.#records, tornTail: true };
    }
    return { ok: true, records: this.#records };
  }
}
