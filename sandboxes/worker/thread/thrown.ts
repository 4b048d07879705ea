/**
 * Turns whatever an extension threw into a `WireError` without trusting it:
 * fields are read once inside `try`, checked by type, and cut to size; methods on
 * the thrown value (`toWire`, `toString`) are never called. A value with a known
 * `code` keeps it; anything else becomes `E_TARGET_CRASHED` ("uncoded error"),
 * as `fromWire` in nanokernel/errors.ts defines.
 *
 * @module
 */
import { fromWire, isErrorCode, type WireError } from '../../../nanokernel/errors.js';
import { cloneableFacts } from '../transfer.js';

const MAX_MESSAGE = 500;
const MAX_FACTS_CHARS = 4_000;

const read = (value: object, key: string): unknown => {
  try {
    return Reflect.get(value, key);
  } catch {
    return undefined;
  }
};

/** A safe, plain description of a thrown value. */
export function wireFromThrown(thrown: unknown): WireError {
  if (typeof thrown === 'object' && thrown !== null) {
    const code = read(thrown, 'code');
    const message = read(thrown, 'message');
    const text = typeof message === 'string' ? message.slice(0, MAX_MESSAGE) : undefined;
    if (isErrorCode(code)) {
      const hint = read(thrown, 'hint');
      let facts = cloneableFacts(read(thrown, 'facts'));
      if (JSON.stringify(facts).length > MAX_FACTS_CHARS) facts = { factsTruncated: true };
      return {
        code,
        message: text ?? code,
        ...(typeof hint === 'string' ? { hint: hint.slice(0, MAX_MESSAGE) } : {}),
        facts,
      };
    }
    return fromWire(text ?? `a thrown ${Array.isArray(thrown) ? 'array' : 'object'}`).toWire();
  }
  const shown = typeof thrown === 'string' ? thrown.slice(0, MAX_MESSAGE) : `a thrown ${typeof thrown}`;
  return fromWire(shown).toWire();
}
