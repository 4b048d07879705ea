/**
 * Capability tokens: mint, verify (once, then cached), delegate, revoke.
 *
 * Tokens are compact JWTs signed with EdDSA. Verification pins the algorithm,
 * issuer, audience and key id. A verified token is cached until it expires, so
 * the hot path checks only expiry and revocation: a handful of set lookups, no
 * signature. Revoking a token revokes everything delegated from it, because each
 * token carries its ancestors' ids.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import { isSubset, parseGrants, type Grant } from '../capabilities/index.js';
import { KernelError } from './errors.js';
import type { KeyRing } from './keys.js';
import { DEFAULT_MAX_DEPTH, TokenPayload, toVerified, type VerifiedToken } from './token-claims.js';

export interface TokenServiceOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly maxDepth?: number;
  /** Most tokens kept in the verified cache; the oldest are dropped past it. */
  readonly cacheSize?: number;
  readonly clock?: () => number;
}

export interface Minted {
  readonly token: string;
  readonly verified: VerifiedToken;
}

const CLOCK_SKEW_SECONDS = 5;

/** Turn a jose failure into our code, with a reason a user can act on. */
export function refuse(cause: unknown): KernelError {
  if (cause instanceof KernelError) return cause;
  if (cause instanceof joseErrors.JWTExpired) {
    return new KernelError('E_TOKEN_EXPIRED', 'the token has expired', { cause, hint: 'restart the extension or delegate a fresh token' });
  }
  const reason =
    cause instanceof joseErrors.JOSEAlgNotAllowed
      ? 'its algorithm is not EdDSA'
      : cause instanceof joseErrors.JWSSignatureVerificationFailed
        ? 'its signature does not verify'
        : cause instanceof joseErrors.JWTClaimValidationFailed
          ? `claim "${cause.claim}" is wrong (${cause.reason})`
          : cause instanceof joseErrors.JOSEError
            ? cause.code
            : 'it is not a well-formed token';
  return new KernelError('E_TOKEN_INVALID', `the token was refused: ${reason}`, {
    cause,
    facts: { reason },
    hint: 'present a token minted by this kernel for this extension',
  });
}

/**
 * Mints and checks capability tokens for one kernel.
 *
 * @example
 * const tokens = new TokenService(await KeyRing.ephemeral(), { issuer: 'kernel', audience: 'nanokernel' });
 * const { token } = await tokens.mint('reports', grants, 3600);
 * const verified = await tokens.verify(token);
 * tokens.check(verified); // throws E_TOKEN_EXPIRED / E_TOKEN_REVOKED
 */
export class TokenService {
  readonly #keys: KeyRing;
  readonly #issuer: string;
  readonly #audience: string;
  readonly #maxDepth: number;
  readonly #cacheSize: number;
  readonly #clock: () => number;
  readonly #cache = new Map<string, VerifiedToken>();
  /** Revoked ids, kept until the latest moment any token carrying them could expire. */
  readonly #revoked = new Map<string, number>();
  #signatureChecks = 0;

  constructor(keys: KeyRing, options: TokenServiceOptions) {
    this.#keys = keys;
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  get issuer(): string {
    return this.#issuer;
  }

  /** How many signatures this service has checked (cache misses); for benchmarks and tests. */
  get signatureChecks(): number {
    return this.#signatureChecks;
  }

  /** Sign a root token for `subject` carrying exactly `grants`. */
  async mint(subject: string, grants: readonly Grant[], ttlSeconds: number): Promise<Minted> {
    return this.#sign(subject, grants, ttlSeconds, undefined);
  }

  /**
   * Mint a token for `subject` no wider than `parent`: every grant must be a subset
   * of the parent's, it expires no later, and the chain stays within the depth cap.
   * The parent's deny grants are carried over, so a delegation can never lift one.
   */
  async delegate(parent: VerifiedToken, grants: readonly unknown[], ttlSeconds: number, subject: string): Promise<Minted> {
    this.check(parent);
    let child: Grant[];
    try {
      child = parseGrants(grants);
    } catch (cause) {
      throw new KernelError('E_NOT_SUBSET', 'the delegated grants are not valid grants', {
        cause,
        hint: 'each grant needs action, to, and optionally ops/resources with valid patterns',
      });
    }
    if (parent.depth + 1 > this.#maxDepth) {
      throw new KernelError('E_NOT_SUBSET', `delegation depth ${parent.depth + 1} exceeds the limit of ${this.#maxDepth}`, {
        facts: { parent: parent.jti, depth: parent.depth + 1, maxDepth: this.#maxDepth },
        hint: 'delegate from a token closer to the root',
      });
    }
    const subset = isSubset(child, parent.grants);
    if (!subset.ok) {
      throw new KernelError('E_NOT_SUBSET', `delegation refused: ${subset.reason}`, {
        facts: { parent: parent.jti, grant: subset.grant },
        hint: 'ask only for grants the delegating token already holds',
      });
    }
    const inherited = parent.grants.filter((grant) => grant.effect === 'deny');
    const remaining = Math.floor((parent.expiresAtMs - this.#clock()) / 1000);
    return this.#sign(subject, [...child, ...inherited], Math.min(ttlSeconds, remaining), parent);
  }

  /**
   * Verify a token's signature and claims once; later calls with the same string
   * come from the cache. Expiry and revocation are checked here and by `check`.
   */
  async verify(token: string, expectedSubject?: string): Promise<VerifiedToken> {
    let verified = this.#cache.get(token);
    if (verified === undefined) {
      verified = await this.#verifySignature(token);
      if (this.#cache.size >= this.#cacheSize) this.#evict();
      this.#cache.set(token, verified);
    }
    if (expectedSubject !== undefined && verified.subject !== expectedSubject) {
      throw new KernelError('E_TOKEN_INVALID', `the token was issued to "${verified.subject}", not to "${expectedSubject}"`, {
        facts: { subject: verified.subject, presentedBy: expectedSubject, jti: verified.jti },
        hint: 'an extension may present only tokens issued to itself',
      });
    }
    this.check(verified);
    return verified;
  }

  /** The token in the cache, if it was verified before (no signature work). */
  cached(token: string): VerifiedToken | undefined {
    return this.#cache.get(token);
  }

  /** Throw if the token has expired or it, or any ancestor, was revoked. O(depth), no I/O. */
  check(token: VerifiedToken, now = this.#clock()): void {
    if (token.expiresAtMs <= now) {
      throw new KernelError('E_TOKEN_EXPIRED', `the token of "${token.subject}" expired`, {
        facts: { jti: token.jti, subject: token.subject },
        hint: 'restart the extension or delegate a fresh token',
      });
    }
    const lineage = token.lineage;
    for (let i = lineage.length - 1; i >= 0; i--) {
      if (this.#revoked.has(lineage[i]!)) {
        throw new KernelError('E_TOKEN_REVOKED', `the token of "${token.subject}" was revoked`, {
          facts: { jti: token.jti, subject: token.subject, revoked: lineage[i] },
          hint: 'the policy no longer grants this; check the audit log for the revocation',
        });
      }
    }
  }

  /** Revoke `jti` and, through the lineage check, every token derived from it. */
  revoke(jti: string, liveUntilMs = this.#clock() + 24 * 3600 * 1000): void {
    this.#revoked.set(jti, Math.max(liveUntilMs, this.#revoked.get(jti) ?? 0));
    const now = this.#clock();
    for (const [id, until] of this.#revoked) if (until < now) this.#revoked.delete(id);
  }

  isRevoked(jti: string): boolean {
    return this.#revoked.has(jti);
  }

  /** Live revocations as `[jti, revoked-until epoch ms]`, for publishing to peer kernels. */
  revocations(): [string, number][] {
    const now = this.#clock();
    return [...this.#revoked].filter(([, until]) => until > now);
  }

  async #sign(subject: string, grants: readonly Grant[], ttlSeconds: number, parent: VerifiedToken | undefined): Promise<Minted> {
    if (!(ttlSeconds > 0)) {
      throw new KernelError('E_TOKEN_EXPIRED', 'the token would be expired at birth', {
        facts: { subject, ttlSeconds },
        hint: parent ? 'the parent token is about to expire; renew it first' : 'use a positive ttl',
      });
    }
    const { kid, privateKey } = this.#keys.signing;
    const now = Math.floor(this.#clock() / 1000);
    const jti = randomUUID();
    const nk = {
      grants: [...grants],
      ...(parent ? { parent: parent.jti } : {}),
      chain: parent ? [...parent.lineage] : [],
      depth: parent ? parent.depth + 1 : 0,
    };
    const token = await new SignJWT({ nk })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .setIssuer(this.#issuer)
      .setSubject(subject)
      .setAudience(this.#audience)
      .setIssuedAt(now)
      .setExpirationTime(now + Math.floor(ttlSeconds))
      .setJti(jti)
      .sign(privateKey);
    const verified = toVerified(TokenPayload.parse({ iss: this.#issuer, sub: subject, aud: this.#audience, iat: now, exp: now + Math.floor(ttlSeconds), jti, nk }));
    this.#cache.set(token, verified);
    return { token, verified };
  }

  async #verifySignature(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length > 16_384) throw refuse(undefined);
    this.#signatureChecks++;
    try {
      const { payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          const key = header.kid === undefined ? undefined : this.#keys.publicKey(header.kid);
          if (!key) throw new KernelError('E_TOKEN_INVALID', 'the token was signed by a key this kernel does not hold', { facts: { kid: header.kid ?? null }, hint: 'present a token minted by this kernel (keys rotated out of the JWKS no longer verify)' });
          return key;
        },
        {
          algorithms: ['EdDSA'],
          issuer: this.#issuer,
          audience: this.#audience,
          requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: new Date(this.#clock()),
        },
      );
      if (typeof payload.iat === 'number' && payload.iat > this.#clock() / 1000 + CLOCK_SKEW_SECONDS) {
        throw new KernelError('E_TOKEN_INVALID', 'the token was refused: it is not yet valid (issued in the future)', {
          facts: { reason: 'iat in the future' },
          hint: 'check the clocks of the issuing and verifying hosts',
        });
      }
      const parsed = TokenPayload.safeParse(payload);
      if (!parsed.success) {
        throw new KernelError('E_TOKEN_INVALID', 'the token was refused: its capability claims are malformed', {
          facts: { reason: parsed.error.issues[0]?.message ?? 'bad claims' },
        });
      }
      return toVerified(parsed.data);
    } catch (cause) {
      throw refuse(cause);
    }
  }

  #evict(): void {
    const now = this.#clock();
    for (const [token, verified] of this.#cache) if (verified.expiresAtMs <= now) this.#cache.delete(token);
    while (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}
