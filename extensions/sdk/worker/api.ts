/**
 * The kernel API an extension receives (in `init(api)` and as `ctx.api`):
 * the only door out of its Compartment. Every method goes through the kernel,
 * which stamps `from` and checks the extension's grants.
 *
 * @module
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options for one call. */
export interface CallOptions {
  /** Milliseconds before the call fails with `E_TIMEOUT`. */
  readonly timeoutMs?: number;
  /** A delegated token to present instead of the extension's own token. */
  readonly cap?: string;
}

/**
 * What an extension may ask of the kernel. Arguments must be plain data
 * (structured-cloneable); bodies larger than the extension's `maxBodyBytes`
 * fail with `E_TOO_LARGE` before they leave the worker.
 */
export interface KernelApi {
  /** This extension's id, as the kernel stamps it into `from`. */
  readonly id: string;
  call(to: string, op: string, resource: string, body: unknown, options?: CallOptions): Promise<unknown>;
  publish(topic: string, body: unknown): Promise<void>;
  subscribe(topic: string): Promise<void>;
  /** Ask the kernel to mint a token for `to` no wider than this extension's own (or `options.cap`). */
  delegate(grants: readonly unknown[], ttlSeconds: number, to: string, options?: { cap?: string }): Promise<string>;
  /**
   * Revoke a token this extension delegated (and everything delegated from it), when
   * the work it was for is over. Only tokens delegated from this extension's own
   * token: any other is `E_DENIED`. An expired or already revoked token is left as is.
   */
  revoke(token: string): Promise<void>;
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

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
