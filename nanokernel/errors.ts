/**
 * The kernel's errors: values with a stable `code`, the facts of the case, and a
 * hint that tells the user what to change. Messages never contain a token, a key
 * or a message body. `docs/errors.md` has a section per code.
 *
 * @module
 */

export const ERROR_CODES = [
  'E_DENIED',
  'E_BAD_ENVELOPE',
  'E_TOKEN_INVALID',
  'E_TOKEN_EXPIRED',
  'E_TOKEN_REVOKED',
  'E_NOT_SUBSET',
  'E_NO_TARGET',
  'E_TIMEOUT',
  'E_TARGET_CRASHED',
  'E_OVERLOADED',
  'E_TOO_LARGE',
  'E_POLICY_INVALID',
  'E_PLUGIN_HASH',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Plain facts about a failure: who asked, for what, which rule. Never secrets or bodies. */
export type ErrorFacts = Readonly<Record<string, unknown>>;

/** The shape an error takes on the wire (between threads, in replies, in JSON output). */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
  readonly facts?: ErrorFacts;
}

/**
 * Every error the kernel, its sandboxes and its extensions hand back.
 *
 * @example
 * try { await port.call('store', 'put', 'x', body) }
 * catch (err) { if (err instanceof KernelError && err.code === 'E_DENIED') console.log(err.hint) }
 */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  readonly code: ErrorCode;
  readonly facts: ErrorFacts;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { facts?: ErrorFacts; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.facts = options.facts ?? {};
    this.hint = options.hint;
  }

  /** A plain object that survives `postMessage`, JSON and Wasm memory. */
  toWire(): WireError {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), facts: this.facts };
  }

  override toString(): string {
    return `${this.code}: ${this.message}${this.hint ? ` (${this.hint})` : ''}`;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function isKernelError(value: unknown): value is KernelError {
  return value instanceof KernelError;
}

/** Rebuild an error that crossed a boundary. Anything unrecognisable becomes `E_TARGET_CRASHED`. */
export function fromWire(value: unknown): KernelError {
  if (value instanceof KernelError) return value;
  if (typeof value === 'object' && value !== null && isErrorCode((value as WireError).code)) {
    const wire = value as WireError;
    const facts = typeof wire.facts === 'object' && wire.facts !== null ? wire.facts : {};
    const hint = typeof wire.hint === 'string' ? wire.hint : undefined;
    return new KernelError(wire.code, String(wire.message ?? wire.code), { facts, ...(hint ? { hint } : {}) });
  }
  const detail = value instanceof Error ? value.message : typeof value === 'string' ? value : typeof value;
  return new KernelError('E_TARGET_CRASHED', `the extension failed with an uncoded error: ${detail.slice(0, 200)}`, {
    hint: 'extensions should throw coded errors; see docs/errors.md',
  });
}
