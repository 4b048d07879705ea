/**
 * `diffPolicies`: what changed between two compiled policies, per extension,
 * in the terms the kernel acts on. Grants are compared by what they grant
 * (effect, action, target, ops, resources), not by where they are written, so
 * moving a rule or editing a comment is no change. An extension is *narrowed*
 * when its old grants are not a subset of its new ones (`isSubset`): an allow
 * went away or shrank, or a new deny took something back. Its live tokens must
 * then be revoked.
 *
 * @module
 */
import { isSubset, type Grant } from '../capabilities/index.js';
import { canonicalJson } from './canonical.js';
import type { CompiledExtension, CompiledPolicy } from './compile.js';

/** What changed for one extension present in both policies. */
export interface ExtensionChange {
  readonly id: string;
  /** Grants of the old policy with no equal grant in the new one. */
  readonly removed: readonly Grant[];
  /** Grants of the new policy with no equal grant in the old one. */
  readonly added: readonly Grant[];
  /** The new grants do not contain the old: revoke the extension's tokens (and those derived from them). */
  readonly narrowed: boolean;
  /** The new grants allow something the old did not: mint a fresh token if it should take effect now. */
  readonly widened: boolean;
  /** Sandbox, module, sha256, host grants or data changed: the extension must be restarted to see it. */
  readonly restart: boolean;
}

export interface PolicyDiff {
  readonly oldHash: string;
  readonly newHash: string;
  /** Extensions only in the new policy. */
  readonly added: readonly string[];
  /** Extensions only in the old policy: stop them and revoke their tokens. */
  readonly removed: readonly string[];
  /** Extensions in both whose grants or start-up settings changed. */
  readonly changed: readonly ExtensionChange[];
}

const grantKey = (grant: Grant): string =>
  canonicalJson({ effect: grant.effect, action: grant.action, to: grant.to, ops: grant.ops, resources: grant.resources });

/** Grants of `from` with no equal grant in `other`, counting duplicates. */
function missingFrom(from: readonly Grant[], other: readonly Grant[]): Grant[] {
  const counts = new Map<string, number>();
  for (const grant of other) counts.set(grantKey(grant), (counts.get(grantKey(grant)) ?? 0) + 1);
  return from.filter((grant) => {
    const key = grantKey(grant);
    const left = counts.get(key) ?? 0;
    if (left === 0) return true;
    counts.set(key, left - 1);
    return false;
  });
}

const startup = (extension: CompiledExtension): string =>
  canonicalJson({ sandbox: extension.sandbox, module: extension.module, sha256: extension.sha256, host: extension.host, data: extension.data });

/**
 * Compare two compiled policies.
 *
 * @example
 * const diff = diffPolicies(previous, next);
 * for (const change of diff.changed) if (change.narrowed) revokeTokensOf(change.id);
 * for (const id of diff.removed) stopAndRevoke(id);
 */
export function diffPolicies(previous: CompiledPolicy, next: CompiledPolicy): PolicyDiff {
  const added = [...next.extensions.keys()].filter((id) => !previous.extensions.has(id));
  const removed = [...previous.extensions.keys()].filter((id) => !next.extensions.has(id));
  const changed: ExtensionChange[] = [];
  for (const [id, before] of previous.extensions) {
    const after = next.extensions.get(id);
    if (after === undefined) continue;
    const change: ExtensionChange = {
      id,
      removed: missingFrom(before.grants, after.grants),
      added: missingFrom(after.grants, before.grants),
      narrowed: !isSubset(before.grants, after.grants).ok,
      widened: !isSubset(after.grants, before.grants).ok,
      restart: startup(before) !== startup(after),
    };
    if (change.removed.length > 0 || change.added.length > 0 || change.restart) changed.push(change);
  }
  return { oldHash: previous.hash, newHash: next.hash, added, removed, changed };
}
