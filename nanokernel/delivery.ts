/**
 * Delivery: moving messages through endpoints' bounded mailboxes. Handlers run
 * one mailbox slot at a time (per-sender order is arrival order), inside the
 * message's trace context; a call settles once, by reply, error, deadline or
 * the endpoint stopping; whatever could not be delivered goes to a bounded
 * dead-letter list with its reason (never its body).
 *
 * @module
 */
import type { EndpointState, Delivery } from './endpoint.js';
import type { Envelope } from './envelope.js';
import { KernelError, fromWire } from './errors.js';
import { runHandling } from './trace.js';

export interface DeadLetter {
  readonly at: number;
  readonly id: string;
  readonly kind: Envelope['kind'];
  readonly from: string;
  readonly to: string;
  readonly op: string;
  readonly code: string;
}

const MAX_DEAD_LETTERS = 1_000;

export class Deliveries {
  readonly #clock: () => number;
  readonly #letters: DeadLetter[] = [];

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Undeliverable messages with the reason, newest last, at most 1,000. */
  get deadLetters(): readonly DeadLetter[] {
    return this.#letters;
  }

  enqueue(target: EndpointState, delivery: Delivery): void {
    target.mailbox.push(delivery);
    if (!target.scheduled && target.running < target.concurrency) {
      target.scheduled = true;
      queueMicrotask(() => this.#pump(target));
    }
  }

  #pump(target: EndpointState): void {
    target.scheduled = false;
    while (target.running < target.concurrency && !target.closed) {
      const delivery = target.mailbox.shift();
      if (delivery === undefined) return;
      if (delivery.settled) continue; // timed out while queued
      target.running++;
      target.current = delivery.envelope;
      let result: unknown;
      try {
        result = runHandling(delivery.envelope, () => target.handler(delivery.envelope));
      } catch (error) {
        this.#finish(target, delivery, error, true);
        continue;
      }
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(
          (value) => this.#finish(target, delivery, value, false, true),
          (error: unknown) => this.#finish(target, delivery, error, true, true),
        );
      } else {
        this.#finish(target, delivery, result, false);
      }
    }
  }

  #finish(target: EndpointState, delivery: Delivery, value: unknown, failed: boolean, resume = false): void {
    target.running--;
    if (target.current === delivery.envelope) target.current = undefined;
    if (failed) {
      const error = fromWire(value);
      if (delivery.reject === undefined) this.deadLetter(delivery.envelope, error.code, target.name);
      this.settle(delivery, error);
    } else if (!delivery.settled) {
      delivery.settled = true;
      if (delivery.timer !== undefined) clearTimeout(delivery.timer);
      delivery.resolve?.(value);
    }
    if (resume && target.mailbox.length > 0 && !target.scheduled) {
      target.scheduled = true;
      queueMicrotask(() => this.#pump(target));
    }
  }

  settle(delivery: Delivery, error: KernelError): void {
    if (delivery.settled) return;
    delivery.settled = true;
    if (delivery.timer !== undefined) clearTimeout(delivery.timer);
    delivery.reject?.(error);
  }

  expire(target: EndpointState, delivery: Delivery, timeoutMs: number): void {
    if (delivery.settled) return;
    this.deadLetter(delivery.envelope, 'E_TIMEOUT');
    this.settle(delivery, new KernelError('E_TIMEOUT', `"${target.name}" did not answer ${delivery.envelope.op} within ${timeoutMs} ms`, { facts: { to: target.name, op: delivery.envelope.op, timeoutMs }, hint: 'raise the call timeout, or check the extension for a slow or stuck handler' }));
  }

  deadLetter(envelope: Pick<Envelope, 'id' | 'kind' | 'from' | 'to' | 'op'>, code: string, to = envelope.to): void {
    if (this.#letters.length >= MAX_DEAD_LETTERS) this.#letters.shift();
    this.#letters.push({ at: this.#clock(), id: envelope.id, kind: envelope.kind, from: envelope.from, to, op: envelope.op, code });
  }
}
