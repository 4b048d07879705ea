/**
 * The kernel's dealings with peer kernels (federation): whose tokens it honours
 * and for what, their revocation lists, calls arriving from them, and its own
 * revocation list for them. Every change of trust and every revocation learnt
 * is recorded in this kernel's audit log.
 *
 * @module
 */
import type { AuditEntry } from './audit-record.js';
import { ForeignCalls } from './foreign-calls.js';
import { ForeignIssuers, signRevocationList, type ForeignTrust } from './foreign.js';
import type { KeyRing } from './keys.js';
import type { TokenService } from './tokens.js';

export interface PeerKernelsOptions {
  /** This kernel's id: the issuer of the revocation lists it signs. */
  readonly id: string;
  readonly audience: string;
  readonly keys: KeyRing;
  readonly tokens: TokenService;
  readonly issuers: ForeignIssuers;
  readonly calls: ForeignCalls;
  readonly clock: () => number;
  readonly record: (entry: AuditEntry) => void;
}

export class PeerKernels {
  readonly #options: PeerKernelsOptions;

  constructor(options: PeerKernelsOptions) {
    this.#options = options;
  }

  /**
   * Honour tokens issued by kernel `id`, verified against its pinned public keys,
   * for at most `trust.grants`, while its revocation lists are fresh. Recorded.
   */
  trust(id: string, trust: ForeignTrust): void {
    this.#options.issuers.trust(id, trust);
    this.#options.record({ actor: 'kernel', action: 'peer.trust', verdict: 'info', target: id, detail: { kids: trust.jwks.keys.map((key) => key.kid ?? null), grants: trust.grants.length, grace_ms: trust.graceMs } });
  }

  /** Stop honouring kernel `id`'s tokens. Recorded. */
  distrust(id: string, reason: string): void {
    this.#options.issuers.distrust(id);
    this.#options.record({ actor: 'kernel', action: 'peer.distrust', verdict: 'info', target: id, detail: { reason } });
  }

  /** Apply a revocation list signed by a trusted kernel; each newly revoked token is recorded. Returns how many were new. */
  async applyRevocations(list: string): Promise<number> {
    const { issuer, added } = await this.#options.issuers.applyRevocations(list);
    for (const jti of added) this.#options.record({ actor: 'kernel', action: 'revoke', verdict: 'info', token_jti: jti, detail: { issuer, reason: `revoked by kernel ${issuer}` } });
    return added.length;
  }

  /** This kernel's live revocations, signed with its key, for peer kernels to apply. */
  signRevocationList(): Promise<string> {
    const { keys, id, audience, tokens, clock } = this.#options;
    return signRevocationList(keys, id, audience, tokens.revocations(), clock());
  }

  /**
   * Decide and deliver a call or event that arrived from another kernel, on the
   * authority of the sender's token (`cap`) and this kernel's grants for its issuer.
   */
  accept(envelope: unknown): Promise<unknown> {
    return this.#options.calls.accept(envelope);
  }

  /** Signatures of foreign tokens checked so far (cache misses). */
  get signatureChecks(): number {
    return this.#options.issuers.signatureChecks;
  }
}
