/**
 * HTTP for plugins. In-process Extism 1.0.3 has no `http_request`, so the host
 * provides it: every URL is checked against the plugin's `host.net` grant
 * (`hostAllowed`, with or without the port), redirects are returned to the
 * plugin rather than followed (a redirect must not reach an unlisted host), the
 * response is capped at `maxBodyBytes` and the request at the delivery deadline.
 *
 * @module
 */
import { hostAllowed } from '../../capabilities/index.js';
import { KernelError } from '../../nanokernel/errors.js';
import type { ExtensionPort } from '../../nanokernel/sandbox.js';
import type { WasmLimits } from './limits.js';
import { readCappedBody } from '../read-capped.js';
import type { HttpResult } from './protocol.js';

/** Headers the host sets itself: a plugin may not redirect the request or frame it. */
const CONTROLLED_HEADERS = /^(host|connection|keep-alive|proxy-.*|transfer-encoding|content-length|upgrade|te|trailer)$/i;

/** A validated plugin HTTP request (Extism's `http_request` JSON, plus the body block). */
export interface PluginHttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers?: Record<string, string> | undefined;
  readonly header?: Record<string, string> | undefined;
  readonly body?: Uint8Array | undefined;
}

/** Perform `request` if the grant allows its host; throws a coded KernelError otherwise. */
export async function fetchForPlugin(port: ExtensionPort, limits: WasmLimits, request: PluginHttpRequest, timeoutMs: number): Promise<HttpResult> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new KernelError('E_BAD_ENVELOPE', 'http_request: the url is not absolute', { hint: 'send an absolute http(s) URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KernelError('E_DENIED', `http_request: scheme ${url.protocol} is not allowed`, { facts: { scheme: url.protocol }, hint: 'plugins may use http and https only' });
  }
  const host = url.host.toLowerCase();
  if (!hostAllowed(limits.net, host) && !hostAllowed(limits.net, url.hostname.toLowerCase())) {
    port.log('warn', 'wasm plugin http_request denied', { decision: 'deny', action: 'http', host });
    throw new KernelError('E_DENIED', `${port.id} may not reach host ${host}`, {
      facts: { who: port.id, action: 'http', host, granted: limits.net.length },
      hint: `add "${host}" to host.net in the policy for ${port.id}, if it should reach it`,
    });
  }
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body;
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? request.header ?? {}).filter(([name]) => !CONTROLLED_HEADERS.test(name)),
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(body ? { body } : {}),
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new KernelError(timedOut ? 'E_TIMEOUT' : 'E_NO_TARGET', `http_request to ${host} failed: ${timedOut ? 'timed out' : (err as Error).message}`, {
      facts: { host },
    });
  }
  const limit = limits.maxBodyBytes;
  const tooLarge = () => new KernelError('E_TOO_LARGE', `the response from ${host} exceeds ${limit} bytes`, { facts: { host, limit }, hint: 'raise host.maxBodyBytes in the policy, or request less' });
  return { status: response.status, body: await readCappedBody(response, limit, tooLarge) };
}

