/**
 * The worker floors, seen from the main thread: a raw `postMessage` round trip
 * to a bare worker (requests matched to replies by sequence number, as any RPC
 * must), and a raw comlink call to a bare worker. Neither has SES, a guard or a
 * kernel in the way.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { wrap, releaseProxy, type Remote } from 'comlink';
import { nodeEndpoint } from './node-endpoint.js';

export interface BareWorker<T> {
  readonly call: T;
  terminate(): Promise<unknown>;
}

type Upper = (body: { text: string }) => Promise<string>;

/** A bare worker answering `{ seq, body }` with `{ seq, reply }`. */
export async function startEchoWorker(): Promise<BareWorker<Upper>> {
  const worker = new Worker(new URL('./echo-worker.js', import.meta.url));
  await new Promise((resolve) => worker.once('online', resolve));
  const pending = new Map<number, (reply: string) => void>();
  let seq = 0;
  worker.on('message', (message: { seq: number; reply: string }) => {
    const settle = pending.get(message.seq);
    pending.delete(message.seq);
    settle?.(message.reply);
  });
  return {
    call: (body) =>
      new Promise((resolve) => {
        pending.set(++seq, resolve);
        worker.postMessage({ seq, body });
      }),
    terminate: () => worker.terminate(),
  };
}

/** A bare worker exposing `upper` through comlink. */
export async function startComlinkWorker(): Promise<BareWorker<Upper>> {
  const worker = new Worker(new URL('./comlink-worker.js', import.meta.url));
  await new Promise((resolve) => worker.once('online', resolve));
  const remote: Remote<{ upper(body: { text: string }): string }> = wrap(nodeEndpoint(worker));
  return {
    call: (body) => remote.upper(body),
    terminate: () => {
      remote[releaseProxy]();
      return worker.terminate();
    },
  };
}
