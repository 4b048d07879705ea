/**
 * A comlink `Endpoint` over a `worker_threads` `MessagePort` that only lets
 * through what the protocol allows. Comlink's `expose` answers any path on the
 * exposed object (`call.constructor`, property sets, constructs, new endpoints);
 * this adapter drops that authority before comlink sees the message:
 *
 * - on an exposing end, only `APPLY` of a one-segment path naming a method in
 *   the table, with plain (`RAW`) arguments, reaches comlink; anything else is
 *   answered with `E_BAD_ENVELOPE`;
 * - on a calling end, only plain results and thrown errors are accepted, never
 *   comlink proxies (which would hand the other side a callable port).
 *
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import { KernelError } from '../../nanokernel/errors.js';
import { wireOf } from './transfer.js';

type Listener = (event: { data: unknown }) => void;
type ListenerLike = Listener | { handleEvent: Listener };

interface Message {
  readonly id?: unknown;
  readonly type?: unknown;
  readonly path?: unknown;
  readonly argumentList?: unknown;
  readonly name?: unknown;
}

const isRecord = (value: unknown): value is Message => typeof value === 'object' && value !== null;

/** Is this a call to one method of the table, with plain arguments only? */
function allowedRequest(data: Message, methods: ReadonlySet<string>): boolean {
  if (data.type !== 'APPLY' || typeof data.id !== 'string') return false;
  const path = data.path;
  if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== 'string' || !methods.has(path[0])) return false;
  const args = data.argumentList;
  return Array.isArray(args) && args.every((arg) => isRecord(arg) && arg.type === 'RAW');
}

/** Is this a plain result or a thrown error (not a proxy or another handler)? */
function allowedResponse(data: Message): boolean {
  return data.type === 'RAW' || (data.type === 'HANDLER' && data.name === 'throw');
}

/**
 * Wrap `port` for comlink. `role: 'expose'` serves `methods`; `role: 'call'` is the calling side.
 *
 * @example
 * expose(api, guardedEndpoint(port, 'expose', new Set(['call', 'log'])))
 */
export function guardedEndpoint(port: MessagePort, role: 'expose' | 'call', methods: ReadonlySet<string> = new Set()): Endpoint {
  const listeners = new Map<ListenerLike, (data: unknown) => void>();
  const refuse = (data: Message): void => {
    if (typeof data.id !== 'string') return;
    const error = new KernelError('E_BAD_ENVELOPE', 'the worker protocol allows only calls to the listed methods', {
      facts: { methods: [...methods] },
      hint: 'call one of the listed methods with plain data arguments',
    });
    port.postMessage({ id: data.id, type: 'HANDLER', name: 'throw', value: { kernelError: wireOf(error) } });
  };
  return {
    postMessage(message: unknown, transfer?: unknown[]) {
      port.postMessage(message, transfer as never);
    },
    addEventListener(_type: string, listener: ListenerLike) {
      const deliver = (data: unknown): void => {
        if (!isRecord(data)) return;
        if (role === 'expose' && !allowedRequest(data, methods)) return refuse(data);
        if (role === 'call' && !allowedResponse(data)) return;
        const event = { data };
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      listeners.set(listener, deliver);
      port.on('message', deliver);
    },
    removeEventListener(_type: string, listener: ListenerLike) {
      const deliver = listeners.get(listener);
      if (deliver) port.off('message', deliver);
      listeners.delete(listener);
    },
    start() {
      port.start();
    },
  };
}
