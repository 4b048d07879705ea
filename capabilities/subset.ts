/**
 * `isSubset`: may a token with grants `child` be derived from one with grants `parent`?
 *
 * Every allow of the child must fit inside one allow of the parent (patterns are
 * nested or disjoint, so a box covered by a union of boxes is covered by one of
 * them: the check is exact, not just safe). And no parent deny may be lifted: each
 * parent deny that overlaps a child allow must be repeated, or widened, by a
 * child deny. The kernel appends the parent's denies to every delegated token, so
 * in practice only the allows decide.
 *
 * @module
 */
import type { Grant } from './grant.js';
import { patternsOverlap, patternWithin } from './pattern.js';

export type SubsetResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly grant: Grant; readonly reason: string };

function anyWithin(inner: string, outers: readonly string[]): boolean {
  return outers.some((outer) => patternWithin(inner, outer));
}

/** Is every (op, resource) pair of `child` inside the single grant `parent`? */
function grantWithin(child: Grant, parent: Grant): boolean {
  return (
    parent.effect === 'allow' &&
    child.action === parent.action &&
    patternWithin(child.to, parent.to) &&
    child.ops.every((op) => anyWithin(op, parent.ops)) &&
    child.resources.every((resource) => anyWithin(resource, parent.resources))
  );
}

function grantsOverlap(a: Grant, b: Grant): boolean {
  return (
    a.action === b.action &&
    patternsOverlap(a.to, b.to) &&
    a.ops.some((op) => b.ops.some((other) => patternsOverlap(op, other))) &&
    a.resources.some((resource) => b.resources.some((other) => patternsOverlap(resource, other)))
  );
}

/** Does a deny of the child cover the whole of the parent's deny `deny`? */
function denyKept(deny: Grant, childDenies: readonly Grant[]): boolean {
  return childDenies.some(
    (kept) =>
      kept.action === deny.action &&
      patternWithin(deny.to, kept.to) &&
      deny.ops.every((op) => anyWithin(op, kept.ops)) &&
      deny.resources.every((resource) => anyWithin(resource, kept.resources)),
  );
}

function describe(grant: Grant): string {
  return `${grant.action} ${grant.to} ops [${grant.ops.join(', ')}] resources [${grant.resources.join(', ')}]`;
}

/**
 * Decide whether `child` is no wider than `parent`.
 *
 * @example
 * isSubset([{ action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/a.txt'], effect: 'allow' }],
 *          [{ action: 'call', to: 'artifacts', ops: ['*'], resources: ['out/*'], effect: 'allow' }]).ok // true
 */
export function isSubset(child: readonly Grant[], parent: readonly Grant[]): SubsetResult {
  const childDenies = child.filter((grant) => grant.effect === 'deny');
  const parentAllows = parent.filter((grant) => grant.effect === 'allow');
  const parentDenies = parent.filter((grant) => grant.effect === 'deny');
  for (const grant of child) {
    if (grant.effect === 'deny') continue;
    if (!parentAllows.some((candidate) => grantWithin(grant, candidate))) {
      return { ok: false, grant, reason: `no grant of the parent allows ${describe(grant)}` };
    }
    const lifted = parentDenies.find((deny) => grantsOverlap(grant, deny) && !denyKept(deny, childDenies));
    if (lifted) {
      return { ok: false, grant, reason: `${describe(grant)} would lift the parent's deny of ${describe(lifted)}` };
    }
  }
  return { ok: true };
}
