/**
 * Trace propagation: while an extension handles a message, the envelope is the
 * current context (AsyncLocalStorage), so a call it makes inherits the
 * `trace_id` and names the message as its `causation_id` without being told.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope } from './envelope.js';

const current = new AsyncLocalStorage<Envelope>();

/** Run `fn` with `envelope` as the message being handled. */
export function runHandling<T>(envelope: Envelope, fn: () => T): T {
  return current.run(envelope, fn);
}

/** The message being handled by the code running now, if any. */
export function handling(): Envelope | undefined {
  return current.getStore();
}
