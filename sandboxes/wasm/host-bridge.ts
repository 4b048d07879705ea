/**
 * Main-thread side of the host-function bridge: validates each request a plugin
 * makes (zod, strict — a request naming `from` or any unknown field is refused),
 * applies `maxCallsPerSecond` and `maxBodyBytes`, and forwards it to the
 * plugin's `ExtensionPort`, where the kernel checks it against the plugin's
 * token. `from` is never read from the plugin: the port is bound to its id.
 *
 * @module
 */
import { z } from 'zod';
import { bodySize } from '../../nanokernel/envelope.js';
import { fromWire, KernelError } from '../../nanokernel/errors.js';
import type { ExtensionPort } from '../../nanokernel/sandbox.js';
import { fetchForPlugin } from './http-bridge.js';
import type { WasmLimits } from './limits.js';
import type { HostFunction, HostResponse } from './protocol.js';
import { RateLimit } from '../../nanokernel/rate-limit.js';

const Name = z.string().min(1).max(512);
const Requests = {
  nk_call: z
    .object({
      to: z.string().min(1).max(64),
      op: z.string().max(128),
      resource: z.string().max(512).default(''),
      /** Optional, as docs/plugin-abi.md says: a missing body is sent as null. */
      body: z.unknown().optional().transform((body) => body ?? null),
      timeout_ms: z.number().int().min(1).max(600_000).optional(),
      cap: z.string().min(1).max(16_384).optional(),
    })
    .strict(),
  nk_publish: z.object({ topic: Name, body: z.unknown().optional().transform((body) => body ?? null) }).strict(),
  nk_subscribe: z.object({ topic: Name }).strict(),
  nk_delegate: z
    .object({
      grants: z.array(z.unknown()).min(1).max(64),
      ttl_seconds: z.number().int().min(1).max(30 * 86_400),
      to: z.string().min(1).max(64),
      cap: z.string().min(1).max(16_384).optional(),
    })
    .strict(),
  nk_revoke: z.object({ token: z.string().min(1).max(16_384) }).strict(),
  nk_log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string().max(4_096) }).strict(),
  http: z
    .object({
      url: z.string().min(1).max(8_192),
      method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
      headers: z.record(z.string().max(256), z.string().max(8_192)).optional(),
      header: z.record(z.string().max(256), z.string().max(8_192)).optional(),
      body: z.instanceof(Uint8Array).optional(),
    })
    .strict(),
} as const;

/** One delivery in progress: the deadline host calls inherit. */
export interface HostCallScope {
  readonly deadline: number;
}

export type HostBridge = (fn: HostFunction, request: unknown, scope: HostCallScope | null) => Promise<HostResponse>;

/**
 * Build the bridge for one plugin. The returned function never throws: every
 * failure is a `HostResponse` carrying a coded error.
 */
export function createHostBridge(port: ExtensionPort, limits: WasmLimits): HostBridge {
  const limit = new RateLimit(limits.maxCallsPerSecond, performance.now());
  return async (fn, request, scope) => {
    try {
      if (!scope) throw new KernelError('E_DENIED', `${fn} was called outside a delivery`, { hint: 'make host calls from handle(), not from start-up code' });
      const parsed = Requests[fn].safeParse(request);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(request)');
        throw new KernelError('E_BAD_ENVELOPE', `${fn} request field "${field}": ${issue.message}`, {
          facts: { fn, field },
          hint: 'see docs/plugin-abi.md for the request shapes ("from" is never accepted: the kernel stamps it)',
        });
      }
      if (!limit.take(performance.now())) {
        throw new KernelError('E_OVERLOADED', `${port.id} exceeded ${limits.maxCallsPerSecond} host calls per second`, {
          facts: { fn, limit: limits.maxCallsPerSecond },
          hint: 'slow down and retry, or raise host.maxCallsPerSecond in the policy',
        });
      }
      const remaining = scope.deadline - Date.now();
      if (remaining <= 0) throw new KernelError('E_TIMEOUT', `${fn}: the delivery's deadline has passed`, { facts: { fn } });
      return { ok: true, value: await run(port, limits, fn, parsed.data, remaining) };
    } catch (err) {
      return { ok: false, error: fromWire(err).toWire() };
    }
  };
}

function checkSize(body: unknown, limits: WasmLimits, what: string): void {
  const size = bodySize(body, limits.maxBodyBytes);
  if (size > limits.maxBodyBytes) {
    throw new KernelError('E_TOO_LARGE', `${what} is larger than ${limits.maxBodyBytes} bytes`, {
      facts: { limit: limits.maxBodyBytes },
      hint: 'send less, or raise host.maxBodyBytes in the policy',
    });
  }
}

async function run(port: ExtensionPort, limits: WasmLimits, fn: HostFunction, request: unknown, remainingMs: number): Promise<unknown> {
  switch (fn) {
    case 'nk_call': {
      const r = request as z.output<(typeof Requests)['nk_call']>;
      checkSize(r.body, limits, 'the call body');
      const timeoutMs = Math.min(r.timeout_ms ?? remainingMs, remainingMs);
      const reply = await port.call(r.to, r.op, r.resource, r.body, { timeoutMs, ...(r.cap ? { cap: r.cap } : {}) });
      checkSize(reply, limits, `the reply from ${r.to}`);
      return reply;
    }
    case 'nk_publish': {
      const r = request as z.output<(typeof Requests)['nk_publish']>;
      checkSize(r.body, limits, 'the event body');
      await port.publish(r.topic, r.body);
      return null;
    }
    case 'nk_subscribe':
      await port.subscribe((request as z.output<(typeof Requests)['nk_subscribe']>).topic);
      return null;
    case 'nk_delegate': {
      const r = request as z.output<(typeof Requests)['nk_delegate']>;
      return port.delegate(r.grants, r.ttl_seconds, r.to, r.cap ? { cap: r.cap } : undefined);
    }
    case 'nk_revoke':
      await port.revoke((request as z.output<(typeof Requests)['nk_revoke']>).token);
      return null;
    case 'nk_log': {
      const r = request as z.output<(typeof Requests)['nk_log']>;
      port.log(r.level, r.message, { source: 'wasm-plugin' });
      return null;
    }
    case 'http':
      return fetchForPlugin(port, limits, request as z.output<(typeof Requests)['http']>, remainingMs);
  }
}
