/**
 * Checks on what a sender hands the dispatcher, before anything is decided:
 * keys are plain strings, options are a small plain object. Anything else is
 * `E_BAD_ENVELOPE`, never a raw TypeError from a getter or a proxy.
 *
 * @module
 */
import { KernelError } from './errors.js';
import type { CallOptions } from './sandbox.js';

/** A key (`to`, `op`, `resource`): a string of at most 512 characters without `*` or control characters. */
export function assertKey(field: string, value: unknown, allowEmpty: boolean): asserts value is string {
  if (typeof value !== 'string' || value.length > 512 || (!allowEmpty && value.length === 0) || /[*\u0000-\u001f\u007f]/.test(value)) {
    throw new KernelError('E_BAD_ENVELOPE', `envelope field "${field}" must be a ${allowEmpty ? '' : 'non-empty '}string of at most 512 characters without "*" or control characters`, {
      facts: { field },
    });
  }
}

/** Call options from any caller: a plain object with a numeric timeout and a string cap, or nothing. */
export function callOptions(options: unknown): CallOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new KernelError('E_BAD_ENVELOPE', 'call options must be an object', { facts: { field: 'options' } });
  let timeoutMs: unknown;
  let cap: unknown;
  try {
    ({ timeoutMs, cap } = options as CallOptions);
  } catch (cause) {
    throw new KernelError('E_BAD_ENVELOPE', 'call options cannot be read: a getter or proxy trap threw', { cause, facts: { field: 'options' } });
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > 3_600_000)) {
    throw new KernelError('E_BAD_ENVELOPE', 'options.timeoutMs must be a number of milliseconds between 1 and 3,600,000', { facts: { field: 'options.timeoutMs' } });
  }
  if (cap !== undefined && (typeof cap !== 'string' || cap.length > 16_384)) {
    throw new KernelError('E_BAD_ENVELOPE', 'options.cap must be a token string', { facts: { field: 'options.cap' } });
  }
  return { ...(timeoutMs !== undefined ? { timeoutMs: timeoutMs as number } : {}), ...(cap !== undefined ? { cap: cap as string } : {}) };
}
