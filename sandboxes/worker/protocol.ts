/**
 * Wire types between the host and a worker sandbox: the two explicit method
 * tables (what the host may ask of the worker, what the worker may ask of the
 * kernel) and the plain-data results that cross the thread boundary.
 * Comlink carries these, but only the methods named here are ever answered
 * (see `guarded-endpoint.ts`).
 *
 * @module
 */
import type { HostGrants } from '../../capabilities/index.js';
import type { Envelope } from '../../nanokernel/envelope.js';
import type { WireError } from '../../nanokernel/errors.js';
import type { ExtensionPort } from '../../nanokernel/sandbox.js';

/** Methods the worker exposes to the host (the host is trusted; still an explicit table). */
export const WORKER_METHODS = ['load', 'deliver', 'ping', 'stop'] as const;

/** Methods the host exposes to the worker. Every argument is validated on the host side. */
export const KERNEL_METHODS = ['call', 'publish', 'subscribe', 'delegate', 'revoke', 'log'] as const;
export type KernelMethod = (typeof KERNEL_METHODS)[number];

/** A granted directory as the worker sees it: the host's real path and the mode. */
export interface FsRoot {
  readonly realPath: string;
  readonly mode: 'read' | 'readwrite';
}

/** What the host sends once to turn a booted worker into a running extension. */
export interface LoadRequest {
  readonly id: string;
  /** Compiled extension JavaScript in the load format of `thread/load-format.ts`. */
  readonly source: string;
  readonly hostGrants: HostGrants;
  /** Granted directories, already resolved to real paths by the host. */
  readonly fsRoots: readonly FsRoot[];
  /** The policy's `data` for this extension (plain JSON), handed to `init(api, data)`. */
  readonly data: unknown;
}

/** A result that never throws across the boundary: a value or a coded error. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

/** What `load` reports: the ops and event topics the extension handles. */
export interface LoadedExtension {
  readonly ops: readonly string[];
  readonly events: readonly string[];
}

/** The worker's side of the protocol, as the host calls it. */
export interface WorkerApi {
  load(request: LoadRequest): Outcome<LoadedExtension> | Promise<Outcome<LoadedExtension>>;
  deliver(envelope: Envelope): Promise<Outcome<unknown>>;
  ping(): 'pong';
  stop(): Promise<void>;
}

/** The kernel's side, as the worker calls it: the port, minus `id` (the host knows who is calling). */
export type KernelApi = Omit<ExtensionPort, 'id'>;

/** `workerData` of a sandbox thread: the two channel ends it talks on. */
export interface BootData {
  /** The worker exposes `WorkerApi` here. */
  readonly controlPort: import('node:worker_threads').MessagePort;
  /** The worker calls `KernelApi` here. */
  readonly kernelPort: import('node:worker_threads').MessagePort;
}
