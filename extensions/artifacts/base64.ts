/**
 * Strict base64 (RFC 4648, standard alphabet, padded) without `Buffer` or
 * `atob`, which the sandbox does not provide.
 *
 * @module
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map<string, number>([...ALPHABET].map((char, index) => [char, index]));
const SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes `text` decodes to, or `undefined` if it is not strict base64. Cheap: no decoding. */
export function decodedLength(text: string): number | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Decode strict base64; `undefined` when `text` is not. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const length = decodedLength(text);
  if (length === undefined || !SHAPE.test(text)) return undefined;
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = VALUES.get(text[i]!)!;
    const b = VALUES.get(text[i + 1]!)!;
    const c = VALUES.get(text[i + 2]!) ?? 0;
    const d = VALUES.get(text[i + 3]!) ?? 0;
    const triple = (a << 18) | (b << 12) | (c << 6) | d;
    if (at < length) out[at++] = (triple >> 16) & 0xff;
    if (at < length) out[at++] = (triple >> 8) & 0xff;
    if (at < length) out[at++] = triple & 0xff;
  }
  return out;
}

/** Encode bytes as padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const triple = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    chunk += ALPHABET[(triple >> 18) & 63]! + ALPHABET[(triple >> 12) & 63]!;
    chunk += b === undefined ? '=' : ALPHABET[(triple >> 6) & 63]!;
    chunk += c === undefined ? '=' : ALPHABET[triple & 63]!;
    if (chunk.length >= 8_192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}
