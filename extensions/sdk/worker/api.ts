/**
 * The kernel API an extension receives (in `init(api)` and as `ctx.api`):
 * the only door out of its Compartment. Every method goes through the kernel,
 * which stamps `from` and checks the extension's grants.
 *
 * @module
 */

import type { ExtensionPort } from '../../../nanokernel/sandbox.js';

export type { CallOptions, LogLevel } from '../../../nanokernel/sandbox.js';

/**
 * What an extension may ask of the kernel: the kernel's `ExtensionPort`.
 * Arguments must be plain data (structured-cloneable); bodies larger than the
 * extension's `maxBodyBytes` fail with `E_TOO_LARGE` before they leave the worker.
 */
export type KernelApi = ExtensionPort;

/** What a handler knows about the message it is handling. Never contains a token. */
export interface MessageContext {
  /** The sender, as stamped by the kernel. */
  readonly from: string;
  readonly op: string;
  readonly resource: string;
  readonly traceId: string;
  readonly correlationId: string | undefined;
  readonly api: KernelApi;
}

/** An event handler's context: `topic` is the envelope's `to`. */
export interface EventContext extends MessageContext {
  readonly topic: string;
}
