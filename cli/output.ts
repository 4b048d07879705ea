/**
 * How the command talks: human text by default, JSON with `--json`, coded
 * errors with their hint (a stack only with `--debug`), and exit codes that
 * mean something: 0 ok, 1 denied or invalid, 2 usage.
 *
 * @module
 */
import { KernelError, fromWire } from '../nanokernel/index.js';
import { PolicyInvalidError, formatProblem } from '../policies/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Io {
  readonly json: boolean;
  readonly debug: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Colour codes only when writing to a terminal. */
  readonly colour: boolean;
}

export function makeIo(json: boolean, debug: boolean): Io {
  return {
    json,
    debug,
    colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;
export function paint(io: Pick<Io, 'colour'>, colour: keyof typeof CODES, text: string): string {
  return io.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** Print a value as JSON (with `--json`) or as the text `human` renders. */
export function emit<T>(io: Io, value: T, human: (value: T) => string): void {
  io.out(io.json ? JSON.stringify(value) : human(value));
}

/** Print an error the way a user can act on, and return the exit code it deserves. */
export function reportError(io: Io, error: unknown, usage?: string): number {
  if (error instanceof UsageError) {
    if (io.json) io.out(JSON.stringify({ error: { code: 'USAGE', message: error.message } }));
    else io.err(`${error.message}${usage ? `\n\n${usage}` : ''}`);
    return EXIT_USAGE;
  }
  const coded = error instanceof KernelError ? error : fromWire(error);
  if (io.json) {
    io.out(JSON.stringify({ error: coded.toWire() }));
  } else if (error instanceof PolicyInvalidError) {
    io.err(`${paint(io, 'red', error.code)}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}`);
    for (const problem of error.problems) io.err(`  ${formatProblem(problem)}`);
  } else {
    io.err(`${paint(io, 'red', coded.code)}: ${coded.message}`);
    if (coded.hint) io.err(`  ${paint(io, 'dim', `hint: ${coded.hint}`)}`);
  }
  if (io.debug && error instanceof Error) io.err(error.stack ?? '');
  return EXIT_FAILED;
}

/** Render rows as an aligned text table. */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all.reduce<number[]>((acc, row) => row.map((cell, i) => Math.max(acc[i] ?? 0, cell.length)), []);
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
