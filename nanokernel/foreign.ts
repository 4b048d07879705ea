/**
 * Foreign issuers: other kernels whose tokens this kernel honours, each pinned
 * to its published public keys (a JWKS) and bounded by grants of its own.
 *
 * A token from a foreign kernel is verified against that kernel's keys only
 * (issuer and algorithm pinned, cached once verified, like local tokens); on
 * every use its expiry, the foreign kernel's revocations and the freshness of
 * those revocations are checked. Revocations arrive as a list signed by the
 * issuing kernel; when none newer than `graceMs` has been seen, the issuer's
 * tokens are refused (fail closed). How the lists travel is not the kernel's
 * business.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { compileGrants, type Grant, type Matcher } from '../capabilities/index.js';
import { KernelError } from './errors.js';
import type { KeyRing } from './keys.js';
import { TokenPayload, toVerified, type VerifiedToken } from './token-claims.js';
import { refuse } from './tokens.js';

/** How a foreign kernel is trusted: its public keys, the most its tokens may do here, the freshness required. */
export interface ForeignTrust {
  /** The kernel's public keys (what `Kernel.jwks()` of that kernel returns). */
  readonly jwks: JSONWebKeySet;
  /** The upper bound of what any of its tokens may do here; both the token and these must allow. */
  readonly grants: readonly Grant[];
  /** Tokens are refused once no revocation list signed less than this long ago has been seen. */
  readonly graceMs: number;
}

interface Issuer {
  readonly id: string;
  readonly keys: ReturnType<typeof createLocalJWKSet>;
  readonly bound: Matcher;
  readonly graceMs: number;
  /** Signing time (epoch ms) of the newest revocation list seen; 0 = none yet. */
  heardAt: number;
  readonly revoked: Map<string, number>;
}

/** The claims of a signed revocation list. */
const RevocationClaims = z.object({
  iss: z.string().min(1),
  /** When the list was signed, in epoch milliseconds (finer than `iat`). */
  at: z.number().int().nonnegative(),
  /** `[jti, revoked-until epoch ms]` pairs. */
  revoked: z.array(z.tuple([z.string().min(1).max(80), z.number().int().nonnegative()])).max(50_000),
});

const CACHE_SIZE = 10_000;
const CLOCK_SKEW_SECONDS = 5;

/**
 * @example
 * const issuers = new ForeignIssuers('nanokernel', Date.now);
 * issuers.trust('kernel-b', { jwks, grants, graceMs: 5_000 });
 * const token = await issuers.verify(presented, 'reports'); // E_TOKEN_INVALID unless signed by kernel-b's keys for "reports"
 * issuers.check(token);                                      // expiry, revocation, freshness
 */
export class ForeignIssuers {
  readonly #audience: string;
  readonly #clock: () => number;
  readonly #issuers = new Map<string, Issuer>();
  readonly #cache = new Map<string, VerifiedToken>();
  #signatureChecks = 0;

  constructor(audience: string, clock: () => number) {
    this.#audience = audience;
    this.#clock = clock;
  }

  get signatureChecks(): number {
    return this.#signatureChecks;
  }

  /** Trust `id`'s tokens within `trust.grants`. Replaces an earlier trust (keeping what was heard). */
  trust(id: string, trust: ForeignTrust): void {
    if (!Array.isArray(trust.jwks?.keys) || trust.jwks.keys.length === 0) {
      throw new KernelError('E_POLICY_INVALID', `the keys of kernel "${id}" are not a JWKS with at least one key`, { facts: { kernel: id }, hint: 'pin the output of "nanokernel keys jwks" run on that kernel' });
    }
    if (!(trust.graceMs > 0)) throw new KernelError('E_POLICY_INVALID', `the revocation grace for kernel "${id}" must be a positive number of milliseconds`, { facts: { kernel: id } });
    const previous = this.#issuers.get(id);
    this.#issuers.set(id, {
      id,
      keys: createLocalJWKSet(trust.jwks),
      bound: compileGrants(trust.grants),
      graceMs: trust.graceMs,
      heardAt: previous?.heardAt ?? 0,
      revoked: previous?.revoked ?? new Map(),
    });
    for (const [token, verified] of this.#cache) if (verified.issuer === id) this.#cache.delete(token);
  }

  /** Stop honouring `id`'s tokens. */
  distrust(id: string): void {
    this.#issuers.delete(id);
    for (const [token, verified] of this.#cache) if (verified.issuer === id) this.#cache.delete(token);
  }

  trusted(): string[] {
    return [...this.#issuers.keys()];
  }

  /** The issuer a token claims, unverified (for naming the caller in a refusal), or `undefined`. */
  claimedIssuer(token: string): string | undefined {
    const cached = this.#cache.get(token);
    if (cached !== undefined) return cached.issuer; // verified before: no need to decode it again
    try {
      const iss = decodeJwt(token).iss;
      return typeof iss === 'string' && iss.length <= 64 ? iss : undefined;
    } catch {
      return undefined;
    }
  }

  /** Verify a foreign token once (then cached) and that it was issued to `expectedSubject`. */
  async verify(token: string, expectedSubject: string): Promise<VerifiedToken> {
    let verified = this.#cache.get(token);
    if (verified === undefined) {
      verified = await this.#verifySignature(token);
      if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(token, verified);
    }
    if (verified.subject !== expectedSubject) {
      throw new KernelError('E_TOKEN_INVALID', `the token was issued to "${verified.subject}", not to "${expectedSubject}"`, {
        facts: { subject: verified.subject, presentedBy: expectedSubject, jti: verified.jti, issuer: verified.issuer },
        hint: 'a remote caller may present only a token its own kernel issued to it',
      });
    }
    this.check(verified);
    return verified;
  }

  /** Throw if the token expired, it or an ancestor was revoked by its issuer, or the issuer's revocations are stale. */
  check(token: VerifiedToken, now = this.#clock()): void {
    const issuer = this.#issuers.get(token.issuer);
    if (!issuer) throw untrusted(token.issuer);
    if (token.expiresAtMs <= now) {
      throw new KernelError('E_TOKEN_EXPIRED', `the token of "${token.subject}@${token.issuer}" expired`, { facts: { jti: token.jti, issuer: token.issuer }, hint: 'its kernel renews tokens; retry with the current one' });
    }
    if (now - issuer.heardAt > issuer.graceMs) {
      const heard = issuer.heardAt === 0 ? 'none has been received yet' : `the newest is ${now - issuer.heardAt} ms old`;
      throw new KernelError('E_TOKEN_INVALID', `tokens of kernel "${issuer.id}" are refused: its revocations cannot be checked (${heard}; grace ${issuer.graceMs} ms)`, {
        facts: { issuer: issuer.id, graceMs: issuer.graceMs, heardAt: issuer.heardAt },
        hint: `restore the link to kernel "${issuer.id}" (is it running, is NATS up?), or raise peers.${issuer.id}.revocationGraceMs`,
      });
    }
    const lineage = token.lineage;
    for (let i = lineage.length - 1; i >= 0; i--) {
      if (issuer.revoked.has(lineage[i]!)) {
        throw new KernelError('E_TOKEN_REVOKED', `the token of "${token.subject}@${token.issuer}" was revoked by its kernel`, {
          facts: { jti: token.jti, issuer: token.issuer, revoked: lineage[i] },
          hint: 'the issuing kernel withdrew it; check that kernel\'s audit log for the revocation',
        });
      }
    }
  }

  /** The grant of the issuer's bound that decides a request (`null`: none). */
  bound(issuer: string): Matcher {
    const found = this.#issuers.get(issuer);
    if (!found) throw untrusted(issuer);
    return found.bound;
  }

  /**
   * Apply a revocation list signed by a trusted kernel. Returns the jtis not known
   * before. A list older than the newest seen adds its entries but does not refresh.
   */
  async applyRevocations(list: string): Promise<{ issuer: string; added: string[] }> {
    const claimed = this.claimedIssuer(list);
    const issuer = claimed === undefined ? undefined : this.#issuers.get(claimed);
    if (!issuer) throw untrusted(claimed ?? '(unreadable)');
    let claims: z.infer<typeof RevocationClaims>;
    try {
      const { payload } = await jwtVerify(list, issuer.keys, { algorithms: ['EdDSA'], issuer: issuer.id, audience: this.#audience, typ: 'nk-revocations', clockTolerance: CLOCK_SKEW_SECONDS, currentDate: new Date(this.#clock()) });
      claims = RevocationClaims.parse(payload);
    } catch (cause) {
      throw refuse(cause);
    }
    const now = this.#clock();
    const added: string[] = [];
    for (const [jti, until] of claims.revoked) {
      if (until <= now) continue;
      if (!issuer.revoked.has(jti)) added.push(jti);
      issuer.revoked.set(jti, Math.max(until, issuer.revoked.get(jti) ?? 0));
    }
    for (const [jti, until] of issuer.revoked) if (until <= now) issuer.revoked.delete(jti);
    // Freshness is the signing time, never the arrival time, so a replayed old list refreshes nothing.
    issuer.heardAt = Math.max(issuer.heardAt, Math.min(claims.at, now));
    return { issuer: issuer.id, added };
  }

  async #verifySignature(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length > 16_384) throw refuse(undefined);
    const claimed = this.claimedIssuer(token);
    const issuer = claimed === undefined ? undefined : this.#issuers.get(claimed);
    if (!issuer) throw untrusted(claimed ?? '(unreadable)');
    this.#signatureChecks++;
    try {
      const { payload } = await jwtVerify(token, issuer.keys, {
        algorithms: ['EdDSA'],
        issuer: issuer.id,
        audience: this.#audience,
        requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.#clock()),
      });
      return toVerified(TokenPayload.parse(payload));
    } catch (cause) {
      throw refuse(cause);
    }
  }
}

function untrusted(issuer: string): KernelError {
  return new KernelError('E_TOKEN_INVALID', `the token was issued by kernel "${issuer}", which this kernel does not trust`, {
    facts: { issuer },
    hint: `add "${issuer}" under peers: in the policy, with its public keys (nanokernel keys jwks on that host)`,
  });
}

/**
 * Sign this kernel's live revocations as a compact JWS that trusted peers apply
 * with `ForeignIssuers.applyRevocations`.
 */
export async function signRevocationList(keys: KeyRing, issuer: string, audience: string, revoked: Iterable<readonly [string, number]>, now: number): Promise<string> {
  const { kid, privateKey } = keys.signing;
  return new SignJWT({ at: now, revoked: [...revoked].map(([jti, until]) => [jti, until]) })
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'nk-revocations' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + 300)
    .setJti(randomUUID())
    .sign(privateKey);
}
