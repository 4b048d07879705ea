/**
 * The port: what a registered endpoint holds to talk to the kernel. Every method
 * sends as the endpoint it was made for; nothing on it lets the holder choose
 * its own `from`.
 *
 * @module
 */
import type { Logger } from 'pino';
import { redact } from './audit-record.js';
import { callOptions, type Dispatcher } from './dispatcher.js';
import type { EndpointState } from './endpoint.js';
import { KernelError } from './errors.js';
import type { CallOptions, ExtensionPort, LogLevel } from './sandbox.js';
import type { TokenService } from './tokens.js';

export class Port implements ExtensionPort {
  readonly #endpoint: EndpointState;
  readonly #dispatcher: Dispatcher;
  readonly #tokens: TokenService;
  readonly #logger: Logger;
  readonly #revoked: (jti: string) => void;

  /** `revoked` is told of every token this port revokes (so peer kernels learn of it too). */
  constructor(endpoint: EndpointState, dispatcher: Dispatcher, tokens: TokenService, logger: Logger, revoked: (jti: string) => void) {
    this.#endpoint = endpoint;
    this.#dispatcher = dispatcher;
    this.#tokens = tokens;
    this.#logger = logger;
    this.#revoked = revoked;
  }

  get id(): string {
    return this.#endpoint.name;
  }

  /** The jti of the token this port sends with (never the token itself). */
  get tokenId(): string {
    return this.#endpoint.token.jti;
  }

  call(to: string, op: string, resource: string, body: unknown, options?: CallOptions): Promise<unknown> {
    return this.#dispatcher.call(this.#endpoint, to, op, resource, body, options);
  }

  async publish(topic: string, body: unknown): Promise<void> {
    await this.#dispatcher.publish(this.#endpoint, topic, body);
  }

  async subscribe(topic: string): Promise<void> {
    this.#dispatcher.subscribe(this.#endpoint, topic);
  }

  async delegate(grants: readonly unknown[], ttlSeconds: number, to: string, options: { cap?: string } = {}): Promise<string> {
    const endpoint = this.#endpoint;
    const { cap } = callOptions(options);
    if (!Array.isArray(grants) || typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || typeof to !== 'string') {
      throw new KernelError('E_BAD_ENVELOPE', 'delegate needs (grants: array, ttlSeconds: number, to: string)', { facts: { from: endpoint.name } });
    }
    const { token } = await this.#dispatcher.authorize(endpoint, 'delegate', to, '', '', cap, endpoint.current?.trace_id);
    try {
      const minted = await this.#tokens.delegate(token, grants, ttlSeconds, to);
      const parent = endpoint.current;
      this.#dispatcher.record({ actor: endpoint.name, action: 'delegate', verdict: 'allow', target: to, ...(parent ? { trace_id: parent.trace_id, causation_id: parent.id } : {}), token_jti: minted.verified.jti, detail: { parent_jti: token.jti, depth: minted.verified.depth, grants: minted.verified.grants.length, ttl_s: Math.round((minted.verified.expiresAtMs - minted.verified.issuedAtMs) / 1000) } });
      return minted.token;
    } catch (error) {
      const code = error instanceof KernelError ? error.code : 'E_NOT_SUBSET';
      this.#dispatcher.record({ actor: endpoint.name, action: 'delegate', verdict: 'deny', target: to, code, token_jti: token.jti, why: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /**
   * Revoke a token delegated from this endpoint's own token (directly or further
   * down its chain), and with it everything delegated from that token. A token
   * that already expired or was revoked is left as it is: it can no longer be used.
   */
  async revoke(token: string): Promise<void> {
    const endpoint = this.#endpoint;
    if (typeof token !== 'string' || token.length === 0) {
      throw new KernelError('E_BAD_ENVELOPE', 'revoke needs (token: string), a token this extension delegated', { facts: { from: endpoint.name } });
    }
    const parent = endpoint.current;
    const context = parent ? { trace_id: parent.trace_id, causation_id: parent.id } : {};
    let verified;
    try {
      verified = await this.#tokens.verify(token);
    } catch (error) {
      if (error instanceof KernelError && (error.code === 'E_TOKEN_EXPIRED' || error.code === 'E_TOKEN_REVOKED')) {
        // Nothing to change, but the attempt is still on record.
        this.#dispatcher.record({ actor: endpoint.name, action: 'revoke', verdict: 'allow', ...context, detail: { unchanged: error.code } });
        return;
      }
      const code = error instanceof KernelError ? error.code : 'E_TOKEN_INVALID';
      this.#dispatcher.record({ actor: endpoint.name, action: 'revoke', verdict: 'deny', ...context, code, why: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    const own = endpoint.token.jti;
    if (!verified.lineage.slice(0, -1).includes(own)) {
      const why = `"${endpoint.name}" may revoke only tokens delegated from its own token; this one was issued to "${verified.subject}" from another chain`;
      this.#dispatcher.record({ actor: endpoint.name, action: 'revoke', verdict: 'deny', target: verified.subject, ...context, code: 'E_DENIED', token_jti: verified.jti, why });
      throw new KernelError('E_DENIED', why, { facts: { from: endpoint.name, jti: verified.jti, subject: verified.subject }, hint: 'revoke the tokens this extension delegated; ask their delegator to revoke any other' });
    }
    this.#tokens.revoke(verified.jti, verified.expiresAtMs);
    this.#dispatcher.record({ actor: endpoint.name, action: 'revoke', verdict: 'allow', target: verified.subject, ...context, token_jti: verified.jti, detail: { reason: `revoked by its delegator ${endpoint.name}`, depth: verified.depth } });
    this.#revoked(verified.jti);
  }

  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    // Extension logs are not decisions: they go to the operator's log, never the audit chain.
    const method = (['debug', 'info', 'warn', 'error'] as const).includes(level) ? level : 'info';
    this.#logger[method]({ ext: this.#endpoint.name, ...(fields ? { fields: redact(fields) } : {}) }, String(message).slice(0, 2_000));
  }
}
