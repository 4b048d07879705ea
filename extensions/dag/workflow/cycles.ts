/**
 * Cycle detection over the dependency graph: depth-first search with three
 * colours; a back edge closes a cycle, reported as the path that closes it,
 * e.g. `a → b → c → a` (read "a needs b, b needs c, c needs a").
 *
 * @module
 */

/**
 * Every elementary cycle found by one DFS pass (at most one per back edge),
 * each rotated to start at its earliest node in `order`, deduplicated.
 *
 * @example
 * findCycles(['a', 'b'], new Map([['a', ['b']], ['b', ['a']]])) // [['a', 'b', 'a']]
 */
export function findCycles(order: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[][] {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Map<string, number>(order.map((id) => [id, WHITE]));
  const rank = new Map(order.map((id, index) => [id, index]));
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();

  // `to` is on the stack (grey) and the node being visited is on top: the loop is the stack from `to`.
  const record = (to: string): void => {
    const loop = stack.slice(stack.lastIndexOf(to));
    let first = 0;
    for (let i = 1; i < loop.length; i++) if ((rank.get(loop[i]!) ?? 0) < (rank.get(loop[first]!) ?? 0)) first = i;
    const rotated = [...loop.slice(first), ...loop.slice(0, first)];
    const key = rotated.join('\u0000');
    if (seen.has(key)) return;
    seen.add(key);
    cycles.push([...rotated, rotated[0]!]);
  };

  const visit = (id: string): void => {
    colour.set(id, GREY);
    stack.push(id);
    for (const next of deps.get(id) ?? []) {
      const state = colour.get(next);
      if (state === GREY) record(next);
      else if (state === WHITE) visit(next);
    }
    stack.pop();
    colour.set(id, BLACK);
  };
  for (const id of order) if (colour.get(id) === WHITE) visit(id);
  return cycles;
}

/** Render a cycle the way messages print it. */
export const formatCycle = (cycle: readonly string[]): string => cycle.join(' → ');

/**
 * A topological order of `order` under `deps` (dependencies first), or
 * `undefined` when there is a cycle.
 */
export function topologicalOrder(order: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const out: string[] = [];
  let progressed = true;
  while (out.length < order.length && progressed) {
    progressed = false;
    for (const id of order) {
      if (done.has(id)) continue;
      if ((deps.get(id) ?? []).every((dep) => done.has(dep))) {
        done.add(id);
        out.push(id);
        progressed = true;
      }
    }
  }
  return out.length === order.length ? out : undefined;
}
