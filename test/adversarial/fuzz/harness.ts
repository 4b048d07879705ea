/**
 * Shared pieces of the fuzz suites: the run budget (CI vs `NANOKERNEL_LONG_TESTS=1`),
 * hostile-value arbitraries, an unhandled-rejection trap, a plain reference
 * decision written independently of `capabilities/`, and a tally that each
 * suite prints so `docs/security.md` can quote the figures.
 *
 * @module
 */
import fc from 'fast-check';
import { ERROR_CODES, KernelError } from '../../../nanokernel/index.js';

/** 10× the cases when the long variant is asked for. */
export const LONG = process.env.NANOKERNEL_LONG_TESTS === '1';
export const runs = (ci: number): number => (LONG ? ci * 10 : ci);

/** A fixed seed unless one is given, so a CI failure can be replayed (`FUZZ_SEED=…`). */
export const SEED = process.env.FUZZ_SEED === undefined ? 0x6e6b : Number(process.env.FUZZ_SEED);

/** Collects every unhandled rejection while installed. */
export function trapUnhandled(): { readonly seen: unknown[]; uninstall(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', listener);
  return { seen, uninstall: () => void process.off('unhandledRejection', listener) };
}

/** Throws (failing the property) unless `error` is a `KernelError` with a documented code. */
export function assertCoded(error: unknown, where: string): KernelError {
  if (!(error instanceof KernelError)) {
    const shown = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
    throw new Error(`${where}: rejected with a non-KernelError (${shown})`);
  }
  if (!(ERROR_CODES as readonly string[]).includes(error.code)) throw new Error(`${where}: unknown code ${String(error.code)}`);
  return error;
}

// ---------------------------------------------------------------------------
// Hostile values.

/** An object whose every read of `key` throws. */
export const throwingGetter = (key: string): object =>
  Object.defineProperty({}, key, { enumerable: true, get: () => { throw new Error(`getter ${key} says no`); } });

/** A Proxy whose every trap throws. */
export const hostileProxy = (): object =>
  new Proxy({}, Object.fromEntries(['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'set', 'defineProperty', 'apply'].map((trap) => [trap, () => { throw new Error(`trap ${trap}`); }])));

export const revokedProxy = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

export const cyclic = (): object => {
  const a: Record<string, unknown> = { n: 1 };
  a.self = a;
  return a;
};

/** Strings that have broken parsers before: control characters, `*`, huge, lone surrogates, JWT-ish. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '*', 'a*', 'a/*', '*.*', '\u0000', 'a\nb', '\u007f', '\ud800', '__proto__', 'constructor', 'eyJhbGciOiJub25lIn0.e30.', ' '),
  fc.integer({ min: 513, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

/**
 * A hostile value made only inside the property: fast-check itself inspects the
 * values it generates (clone checks, printing), and a getter that throws must
 * not go off in fast-check.
 */
export class Lazy {
  constructor(readonly label: string, readonly make: () => unknown, readonly touchThrows = false) {}
  toString(): string {
    return `<${this.label}>`;
  }
}

/**
 * Values whose mere inspection throws (getters, Proxy traps). They cannot cross
 * a thread or a Wasm boundary (structured clone and JSON refuse them), so they
 * reach only in-process callers; the known bug they trigger has its own
 * `it.fails` test, and the main properties leave them out.
 */
export const touchSafe = (value: unknown): boolean => !(value instanceof Lazy && value.touchThrows);

/** The value to hand to the code under test. */
export const real = (value: unknown): unknown => (value instanceof Lazy ? value.make() : value);

const lazy = (label: string, make: () => unknown, touchThrows = false): Lazy => new Lazy(label, make, touchThrows);

/** Any value at all, including ones that throw when touched (as `Lazy`; pass through `real`). */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 3, arbitrary: nastyString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      lazy('getter a', () => throwingGetter('a'), true),
      lazy('getter cap', () => throwingGetter('cap'), true),
      lazy('getter timeoutMs', () => throwingGetter('timeoutMs'), true),
      lazy('proxy', hostileProxy, true),
      lazy('revoked proxy', revokedProxy, true),
      lazy('cyclic', cyclic),
      lazy('symbol', () => Symbol('s')),
      lazy('bigint', () => 10n ** 30n),
      lazy('function', () => () => 'fn'),
      lazy('2 MiB bytes', () => new Uint8Array(2 * 1024 * 1024)),
      lazy('throwing toString', () => ({ toString: () => { throw new Error('toString'); } })),
      lazy('null prototype', () => Object.create(null)),
      NaN,
      -1,
      Number.MAX_SAFE_INTEGER * 4,
      null,
      undefined,
    ),
  },
);

// ---------------------------------------------------------------------------
// The reference decision. Deliberately plain and not imported from capabilities/:
// a grant allows a request when action equals, and `to`, one of `ops` and one of
// `resources` each match; a match of any deny grant refuses.

export interface RefGrant {
  readonly effect: 'allow' | 'deny';
  readonly action: string;
  readonly to: string;
  readonly ops: readonly string[];
  readonly resources: readonly string[];
}

function refMatches(pattern: string, key: string): boolean {
  if (key.includes('*')) return false; // concrete keys never hold a wildcard
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return key.slice(0, pattern.length - 1) === pattern.slice(0, -1);
  return pattern === key;
}

/** 'allow' or 'deny' for one concrete request. */
export function refDecide(grants: readonly RefGrant[], action: string, to: string, op: string, resource: string): 'allow' | 'deny' {
  let allowed = false;
  for (const grant of grants) {
    const hit =
      grant.action === action &&
      refMatches(grant.to, to) &&
      grant.ops.some((pattern) => refMatches(pattern, op)) &&
      grant.resources.some((pattern) => refMatches(pattern, resource));
    if (!hit) continue;
    if (grant.effect === 'deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'deny';
}

/** Print a figure line the security doc quotes; one place so the format is stable. */
export function figure(name: string, value: number | string): void {
  // eslint-disable-next-line no-console
  console.log(`[figure] ${name}: ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`);
}
