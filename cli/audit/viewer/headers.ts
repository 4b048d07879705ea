/**
 * The response headers every answer carries, and the `Host` check that keeps
 * a page on another site from reading the log through DNS rebinding.
 *
 * @module
 */

/** No inline script or style, nothing from elsewhere, no framing, no forms. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** The host name of a `Host` header, without its port (`[::1]:8080` → `[::1]`). */
export function hostName(header: string | undefined): string {
  if (!header) return '';
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(0, text.indexOf(']') + 1);
  const colon = text.indexOf(':');
  return colon === -1 ? text : text.slice(0, colon);
}

/**
 * Which `Host` names a viewer bound to `bound` answers: the loopback names and
 * the bound address itself; any name when bound to every interface (the
 * operator asked for that with `--host`).
 */
export function hostAllowed(bound: string, header: string | undefined): boolean {
  if (WILDCARD.has(bound)) return true;
  const name = hostName(header);
  const boundName = bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound;
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]' || name === boundName.toLowerCase();
}
