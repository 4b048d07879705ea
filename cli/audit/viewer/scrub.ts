/**
 * Last line of defence before anything leaves the viewer: records hold only a
 * token's `jti`, but a plugin controls some strings (op names, reasons), so
 * anything that looks like a JWT is replaced wherever it appears, and secret-
 * looking fields are redacted the way the audit log itself redacts them.
 *
 * @module
 */
import { redact } from '../../../nanokernel/index.js';

/** A compact JWS anywhere inside a string: three base64url parts, the first a JSON header. */
const JWT_ANYWHERE = /eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g;
export const REDACTED_TOKEN = '[redacted token]';

function scrubStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(JWT_ANYWHERE, REDACTED_TOKEN);
  if (Array.isArray(value)) return value.map(scrubStrings);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key.replace(JWT_ANYWHERE, REDACTED_TOKEN)] = scrubStrings(item);
    return out;
  }
  return value;
}

/**
 * A deep copy of `value` with JWT-looking text replaced, in keys and values.
 *
 * @example
 * scrub({ op: 'x eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln' }) // { op: 'x [redacted token]' }
 */
export function scrub<T>(value: T): T {
  return scrubStrings(value) as T;
}

/**
 * One audit record made safe to send: secret-named fields redacted as the log
 * itself redacts them (ids ending in `jti` are kept), then JWT-looking text replaced.
 */
export function scrubRecord<T extends object>(record: T): T {
  return scrubStrings(redact(record, 0)) as T;
}
