/**
 * Tokens as the log tells of them, by `jti` only (a token itself is never in
 * the log): minted by the kernel for a subject, delegated by an extension from
 * a parent token (`delegate` records: `token_jti` is the child, `detail.parent_jti`
 * the parent), revoked. Walking parents gives a record's delegation chain.
 *
 * @module
 */
import type { LoggedRecord } from '../records.js';

/** One token the log mentions. */
export interface TokenNode {
  readonly jti: string;
  /** Who the token was issued to. */
  readonly subject: string;
  /** `kernel` for a minted token, or the extension that delegated it. */
  readonly issuer: string;
  readonly kind: 'mint' | 'delegate';
  readonly parent?: string;
  readonly depth?: number;
  readonly seq: number;
  readonly line: number;
  /** Seq of the `revoke` record that named it, if any. */
  revokedAt?: number;
}

/** Every token of `records`, by jti. */
export function indexTokens(records: readonly LoggedRecord[]): Map<string, TokenNode> {
  const tokens = new Map<string, TokenNode>();
  for (const record of records) {
    const jti = record.token_jti;
    if (typeof jti !== 'string') continue;
    if (record.action === 'mint' && typeof record.target === 'string') {
      tokens.set(jti, { jti, subject: record.target, issuer: 'kernel', kind: 'mint', seq: record.seq, line: record.line });
    } else if (record.action === 'delegate' && record.verdict === 'allow' && typeof record.target === 'string') {
      const parent = record.detail?.parent_jti;
      const depth = record.detail?.depth;
      tokens.set(jti, {
        jti,
        subject: record.target,
        issuer: record.actor,
        kind: 'delegate',
        ...(typeof parent === 'string' ? { parent } : {}),
        ...(typeof depth === 'number' ? { depth } : {}),
        seq: record.seq,
        line: record.line,
      });
    } else if (record.action === 'revoke') {
      const node = tokens.get(jti);
      if (node && node.revokedAt === undefined) node.revokedAt = record.seq;
    }
  }
  return tokens;
}

/**
 * The chain from the root token down to `jti` (root first). A jti the log never
 * minted appears alone, with what is known; a cycle (a forged log) stops the walk.
 */
export function tokenChain(tokens: ReadonlyMap<string, TokenNode>, jti: string): { chain: TokenNode[]; children: TokenNode[]; unknownRoot?: string } {
  const chain: TokenNode[] = [];
  const seen = new Set<string>();
  let at: string | undefined = jti;
  let unknownRoot: string | undefined;
  while (at !== undefined && !seen.has(at)) {
    seen.add(at);
    const node = tokens.get(at);
    if (!node) {
      unknownRoot = at;
      break;
    }
    chain.unshift(node);
    at = node.parent;
  }
  const children = [...tokens.values()].filter((node) => node.parent === jti);
  return { chain, children, ...(unknownRoot !== undefined ? { unknownRoot } : {}) };
}
