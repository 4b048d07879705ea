/**
 * Worker side of the host-function bridge: the Extism host functions a plugin
 * imports, each of which reads its request out of plugin memory, checks it
 * (offset, length, UTF-8, JSON), forwards it synchronously to the main thread
 * and stores the JSON reply back in plugin memory. A bad argument from the
 * plugin becomes a structured error reply, never an exception in the host.
 *
 * Also here: the budgeted `alloc` that bounds Extism's host-side blocks per
 * delivery, and the bridged `http_request` (checked on the main thread).
 *
 * @module
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { CallContext } from '@extism/extism';
import type { WireError } from '../../nanokernel/errors.js';
import { EXTISM_NAMESPACE, NK_FUNCTIONS, NK_NAMESPACE } from './inspect-imports.js';
import type { FromWorker, HostFunction, HostResponse, HttpResult, WorkerPluginOptions } from './protocol.js';

/** Host calls one delivery may make; the next one aborts it (Extism 1.0.3 runs out of block ids near 32,768). */
export const MAX_HOST_CALLS_PER_DELIVERY = 4_096;
const REQUEST_SLACK_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Synchronous request/response to the main thread (see protocol.ts). */
export class SyncHostChannel {
  readonly #flag: Int32Array;
  readonly #replies: MessagePort;
  readonly #post: (message: FromWorker) => void;

  constructor(signal: SharedArrayBuffer, replies: MessagePort, post: (message: FromWorker) => void) {
    this.#flag = new Int32Array(signal);
    this.#replies = replies;
    this.#post = post;
  }

  request(fn: HostFunction, request: unknown): HostResponse {
    Atomics.store(this.#flag, 0, 0);
    this.#post({ type: 'host', fn, request });
    for (;;) {
      Atomics.wait(this.#flag, 0, 0, 50);
      const received = receiveMessageOnPort(this.#replies);
      if (received) return received.message as HostResponse;
    }
  }
}

/** Per-delivery accounting, reset by the worker before each call. */
export interface DeliveryBudget {
  remainingBytes: number;
  hostCalls: number;
  /** Set when the plugin broke a limit inside a host function; the trap that follows reports it. */
  violation: WireError | null;
}

type HostFn = (ctx: CallContext, ...args: bigint[]) => bigint | number;

/** The `functions` option for `createPlugin`: our namespace plus overrides of Extism's alloc and HTTP. */
export function makeHostFunctions(channel: SyncHostChannel, budget: DeliveryBudget, options: WorkerPluginOptions): Record<string, Record<string, HostFn>> {
  const error = (code: WireError['code'], message: string, facts?: Record<string, unknown>): HostResponse => ({
    ok: false,
    error: { code, message, ...(facts ? { facts } : {}) },
  });

  const countCall = (fn: string): void => {
    if (++budget.hostCalls <= MAX_HOST_CALLS_PER_DELIVERY) return;
    budget.violation = {
      code: 'E_OVERLOADED',
      message: `the plugin made more than ${MAX_HOST_CALLS_PER_DELIVERY} host calls in one delivery (last: ${fn})`,
      hint: 'batch work or split it across deliveries',
      facts: { limit: MAX_HOST_CALLS_PER_DELIVERY },
    };
    throw new Error(budget.violation.message);
  };

  const store = (ctx: CallContext, data: string | Uint8Array): bigint => {
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (size > budget.remainingBytes) {
      const refusal = JSON.stringify(error('E_TOO_LARGE', `the reply (${size} bytes) exceeds what this delivery may still allocate`, { bytes: size }));
      return ctx.store(refusal);
    }
    budget.remainingBytes -= size;
    // Extism 1.0.3's store() keeps a Uint8Array's whole backing buffer, not just the view:
    // always hand it an exact-size copy, or the plugin would read whatever shares that buffer.
    return ctx.store(typeof data === 'string' ? data : data.slice());
  };

  /** Read and parse a JSON request block; returns an error response when it is unusable. */
  const readRequest = (ctx: CallContext, offset: bigint, what: string): { value: unknown } | HostResponse => {
    const view = typeof offset === 'bigint' && offset !== 0n ? ctx.read(offset) : null;
    if (view === null) return error('E_BAD_ENVELOPE', `${what}: argument is not an Extism memory block`, { offset: String(offset) });
    const size = view.bytes().byteLength;
    if (size > options.maxBodyBytes + REQUEST_SLACK_BYTES) {
      return error('E_TOO_LARGE', `${what}: request of ${size} bytes exceeds the limit`, { bytes: size, limit: options.maxBodyBytes });
    }
    let text: string;
    try {
      text = utf8.decode(view.bytes());
    } catch {
      return error('E_BAD_ENVELOPE', `${what}: request is not valid UTF-8`);
    }
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return error('E_BAD_ENVELOPE', `${what}: request is not JSON`);
    }
  };

  const bridged = (fn: (typeof NK_FUNCTIONS)[number]): HostFn => (ctx, offset) => {
    countCall(fn);
    let response: HostResponse;
    try {
      const request = readRequest(ctx, offset as bigint, fn);
      response = 'value' in request ? channel.request(fn, request.value) : request;
    } catch (err) {
      response = error('E_BAD_ENVELOPE', `${fn}: unreadable request (${(err as Error).message.slice(0, 120)})`);
    }
    return store(ctx, JSON.stringify(response.ok ? { ok: response.value ?? null } : { error: response.error }));
  };

  let lastStatus = 0;
  const httpRequest: HostFn = (ctx, requestOffset, bodyOffset) => {
    countCall('http_request');
    const request = readRequest(ctx, requestOffset as bigint, 'http_request');
    let response: HostResponse;
    if (!('value' in request)) response = request;
    else {
      const body = bodyOffset ? ctx.read(bodyOffset as bigint)?.bytes().slice() : undefined;
      response = channel.request('http', { ...(request.value as object), ...(body ? { body } : {}) });
    }
    if (!response.ok) {
      lastStatus = 0;
      return store(ctx, JSON.stringify({ error: response.error }));
    }
    const result = response.value as HttpResult;
    lastStatus = result.status;
    return store(ctx, result.body);
  };

  const user: Record<string, HostFn> = {};
  for (const name of NK_FUNCTIONS) user[name] = bridged(name);
  return {
    [NK_NAMESPACE]: user,
    [EXTISM_NAMESPACE]: {
      alloc: (ctx, size) => {
        const bytes = Number(size);
        if (!(bytes >= 0) || bytes > budget.remainingBytes) {
          budget.violation = {
            code: 'E_TOO_LARGE',
            message: `the plugin asked Extism for ${bytes} bytes, beyond its per-delivery allowance`,
            hint: "raise host.memoryMb or host.maxBodyBytes in the plugin's policy, or produce less data",
            facts: { bytes, allowance: options.allocBudgetBytes },
          };
          throw new Error(budget.violation.message);
        }
        budget.remainingBytes -= bytes;
        return ctx.alloc(size as bigint);
      },
      http_request: httpRequest,
      http_status_code: () => lastStatus,
    },
  };
}
