/**
 * The compiled matcher: a grant set turned once into nested pattern indexes
 * (action → target → op → resource), so the hot path decides with a few map
 * lookups and no allocation. It returns the same decision as `covers`.
 *
 * @module
 */
import type { Action, Grant } from './grant.js';
import { PatternIndex } from './pattern-index.js';

interface Leaf {
  deny: Grant | null;
  denyAt: number;
  allow: Grant | null;
  allowAt: number;
}

type OpIndex = PatternIndex<PatternIndex<Leaf>>;

export interface Matcher {
  /** The grants this matcher was built from, in order. */
  readonly grants: readonly Grant[];
  /**
   * The grant that decides the request: a deny, else an allow, else `null`
   * (default deny). Allowed exactly when the result's `effect` is `allow`.
   */
  decide(action: Action, to: string, op: string, resource: string): Grant | null;
}

const newLeaf = (): Leaf => ({ deny: null, denyAt: Infinity, allow: null, allowAt: Infinity });

class CompiledMatcher implements Matcher {
  readonly grants: readonly Grant[];
  readonly #byAction = new Map<Action, PatternIndex<OpIndex>>();
  readonly #targets: OpIndex[] = [];
  readonly #ops: PatternIndex<Leaf>[] = [];
  readonly #leaves: Leaf[] = [];

  constructor(grants: readonly Grant[]) {
    this.grants = grants;
    grants.forEach((grant, at) => {
      let targets = this.#byAction.get(grant.action);
      if (!targets) this.#byAction.set(grant.action, (targets = new PatternIndex()));
      const ops = targets.getOrCreate(grant.to, () => new PatternIndex());
      for (const op of grant.ops) {
        const resources = ops.getOrCreate(op, () => new PatternIndex());
        for (const resource of grant.resources) {
          const leaf = resources.getOrCreate(resource, newLeaf);
          if (grant.effect === 'deny' && at < leaf.denyAt) {
            leaf.deny = grant;
            leaf.denyAt = at;
          } else if (grant.effect === 'allow' && at < leaf.allowAt) {
            leaf.allow = grant;
            leaf.allowAt = at;
          }
        }
      }
    });
  }

  decide(action: Action, to: string, op: string, resource: string): Grant | null {
    const targets = this.#byAction.get(action);
    if (targets === undefined) return null;
    // Concrete keys never contain `*`; one that does is matched by nothing.
    if (to.includes('*') || op.includes('*') || resource.includes('*')) return null;
    let deny: Grant | null = null;
    let denyAt = Infinity;
    let allow: Grant | null = null;
    let allowAt = Infinity;
    const targetCount = targets.collect(to, this.#targets);
    for (let t = 0; t < targetCount; t++) {
      const opCount = this.#targets[t]!.collect(op, this.#ops);
      for (let o = 0; o < opCount; o++) {
        const leafCount = this.#ops[o]!.collect(resource, this.#leaves);
        for (let r = 0; r < leafCount; r++) {
          const leaf = this.#leaves[r]!;
          if (leaf.denyAt < denyAt) {
            deny = leaf.deny;
            denyAt = leaf.denyAt;
          }
          if (leaf.allowAt < allowAt) {
            allow = leaf.allow;
            allowAt = leaf.allowAt;
          }
        }
      }
    }
    return deny ?? allow;
  }
}

/**
 * Compile a grant set into a matcher. Do this once per token, not per message.
 *
 * @example
 * const matcher = compileGrants(grants);
 * const grant = matcher.decide('call', 'artifacts', 'get', 'reports/q3.json');
 * const allowed = grant?.effect === 'allow';
 */
export function compileGrants(grants: readonly Grant[]): Matcher {
  return new CompiledMatcher(grants);
}
