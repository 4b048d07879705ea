/**
 * Endowments every worker extension gets, whatever its grants. None carries
 * authority over the host: each is a pure computation or forwards to the
 * extension's own kernel `log`. (`TextEncoder`/`TextDecoder` and the JS
 * intrinsics come from SES itself and are not listed here.)
 *
 * | name | why it is safe |
 * |---|---|
 * | `console` | a hardened object whose methods format their arguments and call `api.log`; no stdout |
 * | `URL`, `URLSearchParams` | string parsing only; hardened so the extension cannot patch them |
 * | `structuredClone` | copies plain data; no I/O |
 * | `crypto` | `randomUUID`, `getRandomValues`, `sha256`: randomness and hashing, no keys, no I/O |
 *
 * @module
 */
import { createHash, getRandomValues, randomUUID } from 'node:crypto';
import type { KernelApi, LogLevel } from '../../../extensions/sdk/worker/index.js';

/** Longest log line an extension can produce through `console`. */
export const MAX_CONSOLE_CHARS = 2_000;

const formatArg = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
};

/** A console that forwards to the kernel log instead of writing to a stream. */
export function makeConsole(api: Pick<KernelApi, 'log'>): Record<string, (...args: unknown[]) => void> {
  const at = (level: LogLevel) => (...args: unknown[]) => {
    let text = '';
    for (const arg of args) {
      text += (text ? ' ' : '') + formatArg(arg);
      if (text.length > MAX_CONSOLE_CHARS) break;
    }
    api.log(level, text.slice(0, MAX_CONSOLE_CHARS));
  };
  return harden({ log: at('info'), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') });
}

/** Hashing and randomness. `sha256` takes a string (UTF-8) or bytes and returns lower-case hex. */
function makeCrypto() {
  return harden({
    randomUUID: () => randomUUID(),
    getRandomValues: <T extends ArrayBufferView>(array: T): T => {
      if (!(array instanceof Uint8Array || array instanceof Uint16Array || array instanceof Uint32Array)) {
        throw new TypeError('getRandomValues takes a Uint8Array, Uint16Array or Uint32Array');
      }
      return getRandomValues(array);
    },
    sha256: (data: string | Uint8Array): string => {
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('sha256 takes a string or a Uint8Array');
      return createHash('sha256').update(data).digest('hex');
    },
  });
}

/** The globals every extension gets. */
export function basicEndowments(api: Pick<KernelApi, 'log'>): Record<string, unknown> {
  return {
    console: makeConsole(api),
    URL: harden(URL),
    URLSearchParams: harden(URLSearchParams),
    structuredClone: harden((value: unknown) => structuredClone(value)),
    crypto: makeCrypto(),
  };
}
