/**
 * A comlink `Endpoint` over a `worker_threads` port: the same few lines as
 * comlink's own `node-adapter`, which ships without an ESM type entry.
 *
 * @module
 */
import type { Endpoint } from 'comlink';
import type { MessagePort, Worker } from 'node:worker_threads';

type Listener = (event: { data: unknown }) => void;

export function nodeEndpoint(port: Worker | MessagePort): Endpoint {
  const listeners = new WeakMap<Listener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: unknown[]) => port.postMessage(message, transfer as never),
    addEventListener: (_type: string, listener: unknown) => {
      const handler = (data: unknown) => (listener as Listener)({ data });
      port.on('message', handler);
      listeners.set(listener as Listener, handler);
    },
    removeEventListener: (_type: string, listener: unknown) => {
      const handler = listeners.get(listener as Listener);
      if (!handler) return;
      port.off('message', handler);
      listeners.delete(listener as Listener);
    },
    start: () => undefined,
  } as Endpoint;
}
