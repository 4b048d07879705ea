/**
 * Live progress of a workflow run, from the `dag.*` events the operator
 * receives: one rewritten status line on a terminal (nodes done / total, the
 * current node, elapsed), plain lines otherwise.
 *
 * @module
 */
import { paint, type Io } from '../output.js';

/** States a node does not leave; `fallback` means its fallback node took over (and is counted itself). */
const FINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'fallback']);

export class Progress {
  readonly #io: Io;
  readonly #tty: boolean;
  readonly #total: number;
  readonly #started = Date.now();
  readonly #finished = new Set<string>();
  #current = '';
  #lastWidth = 0;

  constructor(io: Io, total: number) {
    this.#io = io;
    this.#total = total;
    this.#tty = Boolean(process.stdout.isTTY) && !io.json;
  }

  /** Feed one `dag.node.*` event. */
  node(nodeId: string, state: string, attempt: number, detail: string | undefined): void {
    if (FINAL.has(state)) this.#finished.add(nodeId);
    if (state === 'running') this.#current = nodeId;
    const elapsed = `${((Date.now() - this.#started) / 1000).toFixed(1)}s`;
    if (this.#io.json) return;
    if (this.#tty) {
      const line = `[${this.#finished.size}/${this.#total}] ${this.#current ? `running ${this.#current}` : ''}  ${elapsed}`;
      process.stdout.write(`\r${line.padEnd(this.#lastWidth)}`);
      this.#lastWidth = line.length;
      if (state === 'failed' || state === 'retrying' || state === 'fallback') {
        this.clear();
        this.#io.out(`  ${this.#colour(state)} ${nodeId}${attempt > 1 ? ` (attempt ${attempt})` : ''}${detail ? `: ${detail}` : ''}`);
      }
      return;
    }
    this.#io.out(`  ${elapsed.padStart(6)} [${this.#finished.size}/${this.#total}] ${nodeId} ${this.#colour(state)}${attempt > 1 ? ` (attempt ${attempt})` : ''}${detail ? `: ${detail}` : ''}`);
  }

  /** Erase the status line before printing something else. */
  clear(): void {
    if (this.#tty && this.#lastWidth > 0) {
      process.stdout.write(`\r${' '.repeat(this.#lastWidth)}\r`);
      this.#lastWidth = 0;
    }
  }

  #colour(state: string): string {
    if (state === 'succeeded') return paint(this.#io, 'green', state);
    if (state === 'failed') return paint(this.#io, 'red', state);
    if (state === 'retrying' || state === 'fallback' || state === 'skipped') return paint(this.#io, 'yellow', state);
    return state;
  }
}
