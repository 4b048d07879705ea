/**
 * What `decodeReply` must make of a plugin's output bytes, decided by hand
 * (not with the schema under test): the `ok` value of a well-formed `{"ok"}`,
 * the code and message of a well-formed `{"error"}`, otherwise a crash.
 *
 * @module
 */
import { ERROR_CODES } from '../../../nanokernel/index.js';

export type ExpectedReply = { ok: unknown } | { code: string; message: string } | 'crashed' | 'event-empty';

export function expectedReply(bytes: Uint8Array, kind: 'call' | 'event'): ExpectedReply {
  if (bytes.byteLength === 0) return kind === 'event' ? 'event-empty' : 'crashed';
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return 'crashed';
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'crashed';
  const keys = Object.keys(json);
  if (keys.length !== 1) return 'crashed';
  const record = json as Record<string, unknown>;
  if (keys[0] === 'ok') return { ok: record.ok };
  if (keys[0] !== 'error') return 'crashed';
  const e = record.error as Record<string, unknown> | null;
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'crashed';
  if (typeof e.code !== 'string' || !(ERROR_CODES as readonly string[]).includes(e.code)) return 'crashed';
  if (typeof e.message !== 'string' || e.message.length > 2_000) return 'crashed';
  if (e.hint !== undefined && (typeof e.hint !== 'string' || e.hint.length > 2_000)) return 'crashed';
  if (e.facts !== undefined && (e.facts === null || typeof e.facts !== 'object' || Array.isArray(e.facts))) return 'crashed';
  return { code: e.code, message: e.message };
}
