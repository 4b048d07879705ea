/**
 * The wire between a WasmSandbox (main thread) and its worker: a discriminated
 * union each way. Only plain data crosses; errors cross as `WireError` and keep
 * their code.
 *
 * Host calls are synchronous for the plugin: the worker posts a `host` message,
 * then blocks in `Atomics.wait` on a one-word SharedArrayBuffer; the main thread
 * answers on a dedicated MessagePort, then flips the word and notifies; the
 * worker takes the answer with `receiveMessageOnPort`.
 *
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from '../../nanokernel/errors.js';
import type { LogLevel } from '../../nanokernel/sandbox.js';
import type { NkFunction } from './inspect-imports.js';

/** The options the worker needs to build Extism plugin instances. */
export interface WorkerPluginOptions {
  readonly useWasi: boolean;
  readonly allowedPaths: Readonly<Record<string, string>>;
  readonly allocBudgetBytes: number;
  readonly maxBodyBytes: number;
  readonly maxCallsPerSecond: number;
  /** Extism config the plugin reads with `config_get` (the policy's `data`). */
  readonly config: Readonly<Record<string, string>>;
  /** The exported function that handles deliveries. */
  readonly entry: string;
  /** Reset Extism's per-call memory after this many calls (Extism 1.0.3 fails call 16,384). */
  readonly resetEvery: number;
}

export type ToWorker =
  | {
      readonly type: 'init';
      readonly module: WebAssembly.Module;
      readonly options: WorkerPluginOptions;
      readonly replies: MessagePort;
      readonly signal: SharedArrayBuffer;
    }
  | { readonly type: 'deliver'; readonly seq: number; readonly input: string }
  | { readonly type: 'ping'; readonly seq: number };

/** Host functions a plugin can reach through the bridge. */
export type HostFunction = NkFunction | 'http';

export type FromWorker =
  | { readonly type: 'ready'; readonly ms: number }
  | { readonly type: 'init-failed'; readonly error: WireError }
  | {
      readonly type: 'result';
      readonly seq: number;
      readonly output: Uint8Array | null;
      readonly error: WireError | null;
      /** The instance trapped (and was rebuilt): counts as a crash. */
      readonly trapped: boolean;
    }
  | { readonly type: 'pong'; readonly seq: number }
  | { readonly type: 'host'; readonly fn: HostFunction; readonly request: unknown }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string };

/** The answer to one host call. */
export type HostResponse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError };

/** The value of a bridged HTTP response. */
export interface HttpResult {
  readonly status: number;
  readonly body: Uint8Array;
}
