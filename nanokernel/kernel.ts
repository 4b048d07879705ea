/**
 * The kernel: mints capability tokens and dispatches messages. Nothing else.
 *
 * It knows endpoints by name, each with a token; it checks every message
 * against the sender's token, records every decision in the audit log, and
 * delivers to bounded mailboxes. What the endpoints do is none of its business.
 *
 * @module
 */
import pino, { type Logger } from 'pino';
import { Grants, type Grant } from '../capabilities/index.js';
import { AuditLog } from './audit-log.js';
import type { AuditEntry } from './audit-record.js';
import type { DenialExplainer } from './denial.js';
import { Dispatcher, type DeadLetter } from './dispatcher.js';
import { EndpointState, type EndpointOptions, type Handler } from './endpoint.js';
import { ExtensionId, IdSource } from './envelope.js';
import { KernelError } from './errors.js';
import { ForeignCalls } from './foreign-calls.js';
import { ForeignIssuers } from './foreign.js';
import { KeyRing } from './keys.js';
import { PeerKernels } from './peer-kernels.js';
import { Port } from './port.js';
import type { Sandbox } from './sandbox.js';
import { DEFAULT_RESTART_POLICY, Supervised, type RestartPolicy } from './supervisor.js';
import { TokenService } from './tokens.js';

export interface KernelOptions {
  /** This kernel's id: the issuer of its tokens and the `kernel` field of its audit records. */
  readonly id?: string;
  /** Audience of the tokens it mints and accepts. */
  readonly audience?: string;
  /** Where the signing key lives (created 0600 if missing). Omit for an in-memory key. */
  readonly keyFile?: string;
  readonly keys?: KeyRing;
  readonly auditFile: string;
  /** Write audit lines synchronously (slower, nothing buffered). */
  readonly auditSync?: boolean;
  readonly defaults?: EndpointOptions;
  readonly maxDelegationDepth?: number;
  readonly clock?: () => number;
  /** Adds policy facts (rule file:line, a grant to paste) to denials. */
  readonly explain?: DenialExplainer;
  /**
   * Learning mode: denials of these extensions are recorded, then let through, so
   * `nanokernel policy learn` can derive the least privilege they need. Never in production.
   */
  readonly unsafeLearnMode?: readonly string[];
  /** The operator's log (extension log lines, lifecycle notes); defaults to pino on stderr. */
  readonly logger?: Logger;
}

const DEFAULTS: Required<EndpointOptions> = {
  capacity: 1_024,
  concurrency: 1,
  maxCallsPerSecond: 100_000,
  maxBodyBytes: 1024 * 1024,
  timeoutMs: 5_000,
};

/**
 * @example
 * const kernel = await Kernel.start({ auditFile: 'audit.log' });
 * const echo = await kernel.register('echo', await kernel.mintToken('echo', []), (env) => env.body);
 * const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'echo' }]), () => undefined);
 * await client.call('echo', 'say', '', 'hi'); // 'hi'
 * await kernel.shutdown();
 */
export class Kernel {
  readonly id: string;
  readonly audit: AuditLog;
  readonly #tokens: TokenService;
  readonly #keys: KeyRing;
  readonly #dispatcher: Dispatcher;
  readonly #clock: () => number;
  readonly #defaults: Required<EndpointOptions>;
  readonly logger: Logger;
  #policyHash: string | undefined;
  #stopping = false;
  readonly #supervised = new Map<string, Supervised>();
  /** Peer kernels (federation): whose tokens this kernel honours, their revocations, their calls. */
  readonly peers: PeerKernels;
  readonly #revocationListeners = new Set<(jti: string) => void>();

  private constructor(id: string, keys: KeyRing, tokens: TokenService, audit: AuditLog, options: KernelOptions) {
    this.id = id;
    this.#keys = keys;
    this.#tokens = tokens;
    this.audit = audit;
    this.#clock = options.clock ?? Date.now;
    this.#defaults = { ...DEFAULTS, ...options.defaults };
    this.logger = options.logger ?? pino({ base: { kernel: id }, level: process.env.NANOKERNEL_LOG_LEVEL ?? 'info' }, pino.destination(2));
    this.#dispatcher = new Dispatcher({
      tokens,
      audit,
      ids: new IdSource(),
      clock: this.#clock,
      ...(options.explain ? { explain: options.explain } : {}),
      policyHash: () => this.#policyHash,
      ...(options.unsafeLearnMode?.length ? { unsafeLearnMode: new Set(options.unsafeLearnMode) } : {}),
    });
    const audience = options.audience ?? 'nanokernel';
    const issuers = new ForeignIssuers(audience, this.#clock);
    const calls = new ForeignCalls({ dispatcher: this.#dispatcher, issuers, defaults: this.#defaults, clock: this.#clock });
    this.peers = new PeerKernels({ id, audience, keys, tokens, issuers, calls, clock: this.#clock, record: (entry) => this.record(entry) });
    if (options.unsafeLearnMode?.length) {
      this.logger.warn({ extensions: options.unsafeLearnMode }, 'LEARNING MODE: denials of these extensions are recorded and let through');
    }
  }

  /** Open the key ring and the audit log, and start. Throws if the audit log cannot be written. */
  static async start(options: KernelOptions): Promise<Kernel> {
    const clock = options.clock ?? Date.now;
    const id = options.id ?? 'local';
    const keys = options.keys ?? (options.keyFile ? await KeyRing.open(options.keyFile, clock) : await KeyRing.ephemeral(clock));
    const tokens = new TokenService(keys, {
      issuer: id,
      audience: options.audience ?? 'nanokernel',
      ...(options.maxDelegationDepth ? { maxDepth: options.maxDelegationDepth } : {}),
      clock,
    });
    const audit = AuditLog.open(options.auditFile, { kernel: id, sync: options.auditSync ?? false, clock });
    const kernel = new Kernel(id, keys, tokens, audit, options);
    audit.append({ actor: 'kernel', action: 'kernel.start', verdict: 'info', detail: { kid: keys.signing.kid } });
    return kernel;
  }

  /** Signatures checked so far; stays flat while cached tokens are in use. */
  get signatureChecks(): number {
    return this.#tokens.signatureChecks;
  }

  /** The public keys as a JWKS, for any JOSE library to verify this kernel's tokens. */
  jwks(): ReturnType<KeyRing['jwks']> {
    return this.#keys.jwks();
  }

  /** Rotate the signing key; tokens signed by the old one verify until they expire. */
  async rotateKeys(maxTokenTtlSeconds: number): Promise<string> {
    const kid = await this.#keys.rotate(maxTokenTtlSeconds);
    this.record({ actor: 'kernel', action: 'mint', verdict: 'info', detail: { rotated_to: kid } });
    return kid;
  }

  /** Sign a root token giving `subject` exactly `grants`. Every mint is recorded. */
  async mintToken(subject: string, grants: readonly Grant[] | readonly unknown[], ttlSeconds = 3_600): Promise<string> {
    const parsed = Grants.safeParse(grants);
    if (!parsed.success) {
      throw new KernelError('E_POLICY_INVALID', `grants for "${subject}" are invalid: ${parsed.error.issues[0]?.message ?? ''}`, {
        facts: { subject, path: parsed.error.issues[0]?.path.join('.') ?? '' },
      });
    }
    const { token, verified } = await this.#tokens.mint(subject, parsed.data, ttlSeconds);
    this.record({ actor: 'kernel', action: 'mint', verdict: 'info', target: subject, token_jti: verified.jti, detail: { grants: parsed.data.length, ttl_s: ttlSeconds } });
    return token;
  }

  /** Revoke a token and every token delegated from it; recorded with its reason. */
  revokeToken(jti: string, reason: string): void {
    this.#tokens.revoke(jti);
    this.record({ actor: 'kernel', action: 'revoke', verdict: 'info', token_jti: jti, detail: { reason } });
    this.#tellRevoked(jti);
  }

  #tellRevoked(jti: string): void {
    for (const listener of this.#revocationListeners) listener(jti);
  }

  /** Be told of every revocation (to publish it to peer kernels). Returns the unsubscribe function. */
  onRevoke(listener: (jti: string) => void): () => void {
    this.#revocationListeners.add(listener);
    return () => this.#revocationListeners.delete(listener);
  }

  /**
   * Register an endpoint under `name`. The token must have been issued to `name`
   * by this kernel; the returned port sends with it, stamped as `name`.
   */
  async register(name: string, token: string, handler: Handler, options: EndpointOptions = {}, startDetail?: Readonly<Record<string, unknown>>): Promise<Port> {
    const id = ExtensionId.safeParse(name);
    if (!id.success) throw new KernelError('E_BAD_ENVELOPE', `"${name}" is not a valid extension id: ${id.error.issues[0]?.message ?? ''}`, { facts: { name } });
    if (this.#stopping) throw new KernelError('E_NO_TARGET', 'the kernel is shutting down', { facts: { name } });
    const verified = await this.#tokens.verify(token, name);
    const existing = this.#dispatcher.endpoints.get(name);
    if (existing && !existing.closed) {
      throw new KernelError('E_BAD_ENVELOPE', `an extension named "${name}" is already registered`, { facts: { name }, hint: 'stop it first, or pick another id' });
    }
    const endpoint = new EndpointState(name, verified, handler, { ...this.#defaults, ...options }, this.#clock());
    endpoint.tokenText = token;
    this.#dispatcher.register(endpoint);
    this.record({ actor: 'kernel', action: 'endpoint.start', verdict: 'info', target: name, token_jti: verified.jti, ...(startDetail ? { detail: { ...startDetail } } : {}) });
    return new Port(endpoint, this.#dispatcher, this.#tokens, this.logger, (jti) => this.#tellRevoked(jti));
  }

  /**
   * Register a proxy for extension `name` of another kernel. Local senders' grants
   * apply to it as to any extension; its handler forwards each envelope and
   * **receives the sender's token in `cap`** (the other kernel decides on it):
   * give it only to the trusted federation link, never to an extension. `grants`
   * are the proxy's own (e.g. subscribing to topics it forwards); default none.
   */
  async registerRemoteProxy(name: string, handler: Handler, options: EndpointOptions = {}, grants: readonly unknown[] = []): Promise<Port> {
    const port = await this.register(name, await this.mintToken(name, grants), handler, options, { remote: true });
    this.#dispatcher.endpoints.get(name)!.forwardsTokens = true;
    return port;
  }

  /**
   * Run `sandbox` as the extension it names, supervised: registered with `token`,
   * started, restarted with backoff when it crashes, circuit-broken in a crash loop.
   */
  async attach(sandbox: Sandbox, token: string, options: EndpointOptions = {}, restart: Partial<RestartPolicy> = {}): Promise<Supervised> {
    const supervised = new Supervised(this, sandbox, { ...DEFAULT_RESTART_POLICY, ...restart });
    await supervised.attach(token, options);
    this.#supervised.set(sandbox.id, supervised);
    return supervised;
  }

  /**
   * Give a running endpoint a new token. After a policy change the old token is
   * revoked (with everything delegated from it); a scheduled renewal lets it expire.
   */
  async replaceToken(name: string, token: string, reason: string, revokeOld = true): Promise<void> {
    const endpoint = this.#dispatcher.endpoints.get(name);
    if (!endpoint) throw new KernelError('E_NO_TARGET', `no extension named "${name}" is running`, { facts: { name } });
    const verified = await this.#tokens.verify(token, name);
    const old = endpoint.token;
    endpoint.token = verified;
    endpoint.tokenText = token;
    if (revokeOld) this.revokeToken(old.jti, reason);
    else this.record({ actor: 'kernel', action: 'mint', verdict: 'info', target: name, token_jti: verified.jti, detail: { replaces: old.jti, reason } });
  }

  /** Stop delivering to `name`; queued messages fail with `E_NO_TARGET` (or the given code). */
  unregister(name: string, reason: string, code: 'E_NO_TARGET' | 'E_TARGET_CRASHED' = 'E_NO_TARGET'): void {
    const endpoint = this.#dispatcher.endpoints.get(name);
    if (!endpoint) return;
    this.#dispatcher.unregister(endpoint, code);
    this.record({ actor: 'kernel', action: 'endpoint.stop', verdict: 'info', target: name, detail: { reason } });
  }

  /** The jti of the token `name` is running with. */
  tokenId(name: string): string | undefined {
    return this.#dispatcher.endpoints.get(name)?.token.jti;
  }

  /** Names of the registered endpoints. */
  endpoints(): string[] {
    return [...this.#dispatcher.endpoints.keys()];
  }

  /** Undeliverable messages with the reason (no bodies), newest last, at most 1,000. */
  deadLetters(): readonly DeadLetter[] {
    return this.#dispatcher.deadLetters;
  }

  /** Set the hash of the policy in force; it is stamped on every decision record. */
  setPolicyHash(hash: string | undefined): void {
    this.#policyHash = hash;
  }

  get policyHash(): string | undefined {
    return this.#policyHash;
  }

  /** Write a record (lifecycle, policy changes) with the policy hash stamped. */
  record(entry: AuditEntry): void {
    this.#dispatcher.record(entry);
  }

  /** Healthy while the audit log can be written. */
  health(): { readonly ok: boolean; readonly endpoints: number; readonly audit: string } {
    const failure = this.audit.failure;
    return { ok: this.audit.healthy, endpoints: this.#dispatcher.endpoints.size, audit: failure ? failure.message : 'ok' };
  }

  /** Refuse new registrations, let mailboxes drain (up to `drainMs`), then close the audit log. */
  async shutdown(drainMs = 2_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const drained = await this.#dispatcher.drain(drainMs);
    await Promise.allSettled([...this.#supervised.values()].map((supervised) => supervised.stop('kernel shutdown')));
    for (const name of this.endpoints()) this.unregister(name, 'kernel shutdown');
    if (this.audit.healthy) this.audit.append({ actor: 'kernel', action: 'kernel.stop', verdict: 'info', detail: { drained } });
    await this.audit.close();
  }
}
