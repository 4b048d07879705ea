/**
 * The scheduler, pure: given the plan and every node's state, which nodes start
 * now, which are skipped, and whether the run is over. No clocks, no I/O; the
 * run loop calls it after every transition.
 *
 * Rules: a node starts when all its dependencies are satisfied (succeeded, or
 * failed and rescued by a fallback that succeeded); a node whose dependency was
 * skipped is skipped; a fallback node starts when its owner enters `fallback`;
 * at most `maxConcurrency` nodes are in flight; after a final failure nothing
 * new starts, and once nothing is in flight the run fails and the nodes left
 * pending are cancelled.
 *
 * @module
 */
import type { NodeState } from './state.js';
import type { Plan } from './workflow/graph.js';

export interface ScheduleDecision {
  readonly start: string[];
  readonly skip: { readonly id: string; readonly reason: string }[];
  readonly cancel: string[];
  readonly finished?: { readonly state: 'succeeded' | 'failed'; readonly reason?: string };
}

type States = Readonly<Record<string, { readonly state: NodeState }>>;

const stateOf = (nodes: States, id: string | undefined): NodeState | undefined => (id === undefined ? undefined : nodes[id]?.state);

/** Is `id` done in a way its dependents may build on? */
export function satisfied(plan: Plan, nodes: States, id: string): boolean {
  const state = stateOf(nodes, id);
  return state === 'succeeded' || (state === 'fallback' && stateOf(nodes, plan.fallbackOf.get(id)) === 'succeeded');
}

const inFlight = (state: NodeState | undefined): boolean => state === 'running' || state === 'retrying';

/**
 * Decide the next step of a run.
 *
 * @example
 * schedule(plan, { a: { state: 'succeeded' }, b: { state: 'pending' } }, 4) // { start: ['b'], skip: [], cancel: [] }
 */
export function schedule(plan: Plan, nodes: States, maxConcurrency: number): ScheduleDecision {
  const running = plan.order.filter((id) => inFlight(stateOf(nodes, id))).length;
  const failed = plan.order.find((id) => stateOf(nodes, id) === 'failed' || stateOf(nodes, id) === 'cancelled');
  if (failed !== undefined) {
    if (running > 0) return { start: [], skip: [], cancel: [] };
    const cancel = plan.order.filter((id) => stateOf(nodes, id) === 'pending');
    return { start: [], skip: [], cancel, finished: { state: 'failed', reason: `node "${failed}" ${stateOf(nodes, failed)}` } };
  }

  const start: string[] = [];
  const skip: { id: string; reason: string }[] = [];
  let room = Math.max(0, maxConcurrency - running);
  // Fallbacks first: their owner is waiting on them.
  for (const [owner, fb] of plan.fallbackOf) {
    if (stateOf(nodes, owner) === 'fallback' && stateOf(nodes, fb) === 'pending' && room > 0) {
      start.push(fb);
      room--;
    }
  }
  for (const id of plan.order) {
    if (plan.ownerOf.has(id) || stateOf(nodes, id) !== 'pending') continue;
    const deps = plan.deps.get(id) ?? [];
    const skipped = deps.find((dep) => stateOf(nodes, dep) === 'skipped');
    if (skipped !== undefined) skip.push({ id, reason: `its dependency "${skipped}" was skipped` });
    else if (room > 0 && deps.every((dep) => satisfied(plan, nodes, dep))) {
      start.push(id);
      room--;
    }
  }
  if (start.length > 0 || skip.length > 0 || running > 0) return { start, skip, cancel: [] };

  const open = plan.order.filter((id) => !plan.ownerOf.has(id) && !satisfied(plan, nodes, id) && stateOf(nodes, id) !== 'skipped');
  if (open.length > 0) {
    // Nothing runs and nothing can start: never wait forever.
    const cancel = plan.order.filter((id) => stateOf(nodes, id) === 'pending');
    return { start, skip, cancel, finished: { state: 'failed', reason: `no node can start; stuck: ${open.join(', ')}` } };
  }
  const unused = [...plan.ownerOf.keys()].filter((fb) => stateOf(nodes, fb) === 'pending').map((id) => ({ id, reason: 'fallback not needed' }));
  return { start, skip: unused, cancel: [], finished: { state: 'succeeded' } };
}
