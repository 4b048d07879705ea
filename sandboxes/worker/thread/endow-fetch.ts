/**
 * The `fetch` endowment, given only when the extension has network grants.
 * Each request, and each redirect hop (followed here, at most five), must name
 * an `http:`/`https:` URL whose host matches a granted pattern (`hostAllowed`
 * from capabilities). Responses come back as plain hardened objects, with the
 * body read eagerly and capped at the extension's `maxBodyBytes`.
 *
 * @module
 */
import { hostAllowed } from '../../../capabilities/index.js';
import { KernelError } from '../../../nanokernel/errors.js';
import { readCappedBody } from '../../read-capped.js';

const MAX_REDIRECTS = 5;

/** The request options an extension may pass. */
interface FetchInit {
  method?: unknown;
  headers?: unknown;
  body?: unknown;
}

function checkUrl(raw: unknown, patterns: readonly string[], onDenied: (host: string) => void): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new TypeError(`fetch needs an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch supports http: and https: only, not ${url.protocol}`);
  if (url.username || url.password) throw new TypeError('fetch URLs must not carry credentials');
  if (!hostAllowed(patterns, url.host)) {
    onDenied(url.host);
    throw new KernelError('E_DENIED', `fetch to host "${url.host}" is not granted to this extension`, {
      facts: { host: url.host },
      hint: `add "${url.host}" (or a "*." pattern covering it) under host.net in the policy`,
    });
  }
  return url;
}

function plainHeaders(input: unknown): Record<string, string> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null) throw new TypeError('headers must be an object of strings');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) out[String(name)] = String(value);
  return out;
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  const tooLarge = () =>
    new KernelError('E_TOO_LARGE', `the response is larger than this extension's maxBodyBytes (${maxBytes})`, {
      facts: { maxBodyBytes: maxBytes },
      hint: 'raise host.maxBodyBytes in the policy or request less data',
    });
  if (declared > maxBytes) throw tooLarge();
  return readCappedBody(response, maxBytes, tooLarge);
}

/** `fetch` restricted to `patterns`; `onDenied` reports each refused host. */
export function fetchEndowment(patterns: readonly string[], maxBodyBytes: number, onDenied: (host: string) => void) {
  return harden(async (input: unknown, init: FetchInit = {}) => {
    let url = checkUrl(input, patterns, onDenied);
    const method = String(init.method ?? 'GET').toUpperCase();
    const headers = plainHeaders(init.headers);
    const body = init.body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError('body must be a string or a Uint8Array');
    let response: Response;
    for (let hop = 0; ; hop++) {
      response = await fetch(url, { method, headers, body: body as string | undefined, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) break;
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects`);
      url = checkUrl(new URL(location, url).href, patterns, onDenied);
    }
    const bytes = await readCapped(response, maxBodyBytes);
    const text = () => new TextDecoder().decode(bytes);
    return harden({
      status: response.status,
      ok: response.ok,
      url: url.href,
      headers: Object.fromEntries(response.headers.entries()),
      bytes: async () => bytes.slice(),
      text: async () => text(),
      json: async () => JSON.parse(text()) as unknown,
    });
  });
}
