/**
 * Bodies to bytes and back: `put` data in `utf8` or `base64`, checked against
 * the size limit before anything is decoded or hashed; `get` data encoded the
 * way the caller asked.
 *
 * @module
 */
import { decodeBase64, decodedLength, encodeBase64 } from './base64.js';
import { badBody, tooLarge } from './failures.js';

type Encoding = 'utf8' | 'base64';

/** The bytes `data` stands for. Throws `E_TOO_LARGE` over `limit`, `E_BAD_ENVELOPE` for bad base64. */
export function toBytes(data: string, encoding: Encoding, limit: number): Uint8Array {
  if (encoding === 'base64') {
    const length = decodedLength(data);
    if (length !== undefined && length > limit) throw tooLarge(length, limit);
    const bytes = decodeBase64(data);
    if (bytes === undefined) throw badBody('data', 'is not valid base64', 'send standard padded base64 (RFC 4648, alphabet A-Z a-z 0-9 + /), or use encoding "utf8" for text');
    return bytes;
  }
  // UTF-8 takes at least one byte per UTF-16 unit: longer strings are over without encoding them.
  if (data.length > limit) throw tooLarge(data.length, limit);
  const bytes = new TextEncoder().encode(data);
  if (bytes.length > limit) throw tooLarge(bytes.length, limit);
  return bytes;
}

/** `bytes` as the caller asked. Throws `E_BAD_ENVELOPE` when utf8 was asked of bytes that are not UTF-8. */
export function fromBytes(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === 'base64') return encodeBase64(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw badBody('encoding', 'the blob is not valid UTF-8', 'ask for it with encoding "base64"');
  }
}
