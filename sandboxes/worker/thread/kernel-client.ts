/**
 * The kernel API object handed to the extension: a hardened wrapper over the
 * comlink proxy of the host's `KernelApi`. Before anything leaves the worker it
 * snapshots the arguments with `structuredClone` (so getters and proxies in
 * extension objects run once, here, and cannot change what the host sees) and
 * refuses bodies over `maxBodyBytes` with `E_TOO_LARGE` without sending them.
 * The host checks everything again; this side only saves the copy.
 *
 * @module
 */
import type { Remote } from 'comlink';
import { bodySize } from '../../../nanokernel/envelope.js';
import { KernelError } from '../../../nanokernel/errors.js';
import type { KernelApi as ExtensionApi, LogLevel } from '../../../extensions/sdk/worker/index.js';
import type { KernelApi } from '../protocol.js';

/** Most log calls forwarded per second; the rest are dropped (and counted in the next one). */
export const MAX_LOGS_PER_SECOND = 200;

const tooLarge = (size: number, limit: number) =>
  new KernelError('E_TOO_LARGE', `the body is ${size > limit * 2 ? 'far ' : ''}over this extension's maxBodyBytes (${limit})`, {
    facts: { maxBodyBytes: limit },
    hint: 'send less data per message (store large data in a granted directory and send its key), or raise host.maxBodyBytes',
  });

/** Copy plain data, or fail with a coded error naming what was wrong. */
export function snapshot<T>(value: T, what: string): T {
  try {
    return structuredClone(value);
  } catch {
    throw new KernelError('E_BAD_ENVELOPE', `${what} must be plain data (no functions, class instances with private state, or proxies)`, {
      facts: { argument: what },
      hint: 'pass objects, arrays, strings, numbers, booleans, null, Uint8Array or Date',
    });
  }
}

/** Refuse a body over the limit, counting without serialising. */
export function checkBodySize(body: unknown, limit: number): void {
  const size = bodySize(body, limit);
  if (size > limit) throw tooLarge(size, limit);
}

/** A body checked before and after the copy (a getter could grow it in between). */
function outgoingBody(body: unknown, limit: number): unknown {
  checkBodySize(body, limit);
  const copy = snapshot(body, 'body');
  checkBodySize(copy, limit);
  return copy;
}

/** Build the hardened API object an extension sees. */
export function makeKernelApi(id: string, remote: Remote<KernelApi>, maxBodyBytes: number): ExtensionApi {
  let windowStart = 0;
  let logsInWindow = 0;
  let dropped = 0;
  return harden({
    id,
    call: async (to: string, op: string, resource: string, body: unknown, options?: unknown) => {
      const sent = outgoingBody(body, maxBodyBytes);
      const [t, o, r, opts] = snapshot([to, op, resource, options], 'call arguments');
      return remote.call(t, o, r, sent, opts as never);
    },
    publish: async (topic: string, body: unknown) => {
      const sent = outgoingBody(body, maxBodyBytes);
      await remote.publish(snapshot(topic, 'topic'), sent);
    },
    subscribe: async (topic: string) => {
      await remote.subscribe(snapshot(topic, 'topic'));
    },
    delegate: async (grants: readonly unknown[], ttlSeconds: number, to: string, options?: { cap?: string }) => {
      const [g, ttl, t, opts] = snapshot([grants, ttlSeconds, to, options], 'delegate arguments');
      return remote.delegate(g, ttl, t, opts);
    },
    revoke: async (token: string) => {
      await remote.revoke(snapshot(token, 'token'));
    },
    log: (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => {
      const now = performance.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        logsInWindow = 0;
      }
      if (++logsInWindow > MAX_LOGS_PER_SECOND) {
        dropped++;
        return;
      }
      const extra = dropped > 0 ? { droppedLogs: dropped } : {};
      dropped = 0;
      let args: [LogLevel, string, Record<string, unknown> | undefined];
      try {
        args = snapshot([level, String(message), fields === undefined ? undefined : { ...fields, ...extra }], 'log arguments');
      } catch {
        args = [level, String(message), { unloggableFields: true, ...extra }];
      }
      void remote.log(...args).catch(() => undefined);
    },
  });
}
