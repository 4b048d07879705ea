/**
 * The one interface both sandbox kinds implement (Wasm plugins and SES workers),
 * and the door the kernel gives each sandboxed extension.
 *
 * The kernel owns the door: every method on `ExtensionPort` goes through the
 * dispatcher with the extension's own token and `from` stamped from the port.
 * A sandbox never sees another extension's port or any token but those handed
 * to it explicitly.
 *
 * @module
 */
import type { Grant } from '../capabilities/index.js';
import type { Envelope } from './envelope.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options a sandboxed caller may set on one call. */
export interface CallOptions {
  /** Milliseconds before the call fails with `E_TIMEOUT` (capped by the caller's own deadline). */
  readonly timeoutMs?: number;
  /** A delegated token to present instead of the extension's own token. */
  readonly cap?: string;
}

/**
 * What an extension may ask of the kernel. Every method is checked against its
 * grants. (Extensions see it as the SDK's `KernelApi`; a worker reaches it over
 * the bridge as `KernelApi` of sandboxes/worker/protocol.ts, without `id`.)
 */
export interface ExtensionPort {
  /** This extension's id, as the kernel stamps it into `from`. */
  readonly id: string;
  call(to: string, op: string, resource: string, body: unknown, options?: CallOptions): Promise<unknown>;
  publish(topic: string, body: unknown): Promise<void>;
  subscribe(topic: string): Promise<void>;
  /** Mint a token for `to` no wider than this extension's own token (or `cap`, when given). */
  delegate(grants: readonly unknown[], ttlSeconds: number, to: string, options?: { cap?: string }): Promise<string>;
  /**
   * Revoke a token this extension delegated (and everything delegated from it), when
   * the work it was for is over. Only tokens delegated from this extension's own
   * token: any other is `E_DENIED`. An expired or already revoked token is left as is.
   */
  revoke(token: string): Promise<void>;
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Limits derived from an extension's host grants. */
export interface SandboxLimits {
  /** Per-delivery deadline when the envelope carries none. */
  readonly timeoutMs: number;
  readonly memoryMb: number;
}

/**
 * A sandbox runs one extension. `deliver`'s `timeoutMs` is the extension's own
 * limit (from its host grants): code still running after it is stopped. The
 * envelope's `deadline` is the caller's: once it has passed, the sandbox may
 * skip a delivery that has not started, but must not stop running code for it. The supervisor starts it, delivers envelopes to
 * it one mailbox at a time, pings it, and stops or restarts it.
 *
 * `deliver` resolves with the reply body for a call (and `undefined` for an
 * event) or rejects with a `KernelError`: `E_TIMEOUT` when the extension did not
 * answer in time (the sandbox must then stop the runaway code itself),
 * `E_TARGET_CRASHED` with `facts.crashed: true` when it died (the supervisor
 * restarts it; it should also call the `onCrash` listeners), or the extension's
 * own coded error (the extension keeps running).
 */
export interface Sandbox {
  readonly kind: 'wasm' | 'worker' | 'inprocess';
  readonly id: string;
  /** sha256 of the code it runs (the Wasm file, the extension's script), recorded at start. */
  readonly moduleSha256?: string;
  start(port: ExtensionPort): Promise<void>;
  deliver(envelope: Envelope, timeoutMs: number): Promise<unknown>;
  ping(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  /** Called once if the sandbox dies outside a delivery (crash, exit, OOM). */
  onCrash(listener: (reason: string) => void): void;
}

export type { Grant };
