/**
 * Argument parsing on top of `node:util` `parseArgs`, with the flags every
 * command shares (`--json`, `--debug`, `--help`) and usage errors that say
 * which flag was wrong.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './output.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON: Options = {
  json: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** Parse `args` against `options` (plus the common flags); unknown flags are usage errors. */
export function parse(args: readonly string[], options: Options = {}): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function str(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true;
}

/**
 * Split `<sub> [args…]`: a first argument that is a flag (`policy --help`) is no
 * subcommand, and stays with the arguments to parse.
 */
export function subcommand(args: readonly string[]): { sub: string | undefined; rest: readonly string[] } {
  const first = args[0];
  return first === undefined || first.startsWith('-') ? { sub: undefined, rest: args } : { sub: first, rest: args.slice(1) };
}

/** The positional at `index`, or a usage error naming what is missing. */
export function need(parsed: Parsed, index: number, what: string): string {
  const value = parsed.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

/** Parse a duration like `10m`, `2h`, `30s`, `500ms` into milliseconds. */
export function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageError(`"${text}" is not a duration; use e.g. 30s, 10m, 2h, 1d`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
