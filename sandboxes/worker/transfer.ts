/**
 * Keeps `KernelError`'s `code`, `facts` and `hint` across comlink. Comlink's own
 * `throw` handler turns every error into `{ message, name, stack }`; this wraps
 * it so a `KernelError` travels as its `toWire()` form and is rebuilt with
 * `fromWire`, and any other thrown value keeps comlink's behaviour.
 *
 * Installed once per realm (host and each worker) before any call is made.
 *
 * @module
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { KernelError, fromWire, type WireError } from '../../nanokernel/errors.js';

interface Thrown {
  readonly value: unknown;
}
interface KernelThrown {
  readonly kernelError: WireError;
}

const INSTALLED = Symbol.for('nanokernel.worker.kernel-error-handler');

/** Facts that can be cloned; anything else is dropped rather than failing the reply. */
export function cloneableFacts(facts: unknown): Record<string, unknown> {
  try {
    const copy: unknown = JSON.parse(JSON.stringify(facts ?? {}));
    return typeof copy === 'object' && copy !== null && !Array.isArray(copy) ? (copy as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A `WireError` that survives `postMessage` whatever the facts held. */
export function wireOf(error: KernelError): WireError {
  const wire = error.toWire();
  return { ...wire, facts: cloneableFacts(wire.facts) };
}

/**
 * Replace comlink's `throw` transfer handler with one that keeps kernel error codes.
 * Safe to call more than once.
 */
export function installKernelErrorTransfer(): void {
  const original = transferHandlers.get('throw') as TransferHandler<Thrown, unknown> | undefined;
  if (!original || (original as unknown as Record<symbol, unknown>)[INSTALLED]) return;
  const handler: TransferHandler<Thrown, unknown> & Record<symbol, unknown> = {
    [INSTALLED]: true,
    canHandle: original.canHandle,
    serialize(thrown: Thrown) {
      if (thrown.value instanceof KernelError) return [{ kernelError: wireOf(thrown.value) } satisfies KernelThrown, []];
      return original.serialize(thrown);
    },
    deserialize(serialized: unknown) {
      if (typeof serialized === 'object' && serialized !== null && 'kernelError' in serialized) {
        throw fromWire((serialized as KernelThrown).kernelError);
      }
      return original.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
