/**
 * The claims inside a capability token, as a zod schema (the schema is the type).
 *
 * @module
 */
import { z } from 'zod';
import { Grants, compileGrants, type Grant, type Matcher } from '../capabilities/index.js';

/** Longest delegation chain (parent → child → …) the kernel will mint. */
export const DEFAULT_MAX_DEPTH = 8;

export const CapabilityClaims = z
  .object({
    grants: Grants,
    /** `jti` of the token this one was delegated from. */
    parent: z.string().optional(),
    /** `jti`s of every ancestor, root first; revoking any of them revokes this token. */
    chain: z.array(z.string()).max(32),
    depth: z.number().int().min(0).max(32),
  })
  .strict();

export const TokenPayload = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1),
  nk: CapabilityClaims,
});
export type TokenPayload = z.infer<typeof TokenPayload>;

/** A token that passed signature and claim checks once; cached until it expires. */
export interface VerifiedToken {
  readonly jti: string;
  readonly issuer: string;
  readonly subject: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly grants: readonly Grant[];
  readonly matcher: Matcher;
  readonly parent: string | undefined;
  /** Ancestors and the token itself: every id checked for revocation on each use. */
  readonly lineage: readonly string[];
  readonly depth: number;
}

export function toVerified(payload: TokenPayload): VerifiedToken {
  return {
    jti: payload.jti,
    issuer: payload.iss,
    subject: payload.sub,
    issuedAtMs: payload.iat * 1000,
    expiresAtMs: payload.exp * 1000,
    grants: payload.nk.grants,
    matcher: compileGrants(payload.nk.grants),
    parent: payload.nk.parent,
    lineage: [...payload.nk.chain, payload.jti],
    depth: payload.nk.depth,
  };
}
