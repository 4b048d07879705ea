/**
 * The dependency graph of a valid-shaped workflow, and the cross-field rules a
 * schema cannot say: references name existing nodes, no cycles, fallbacks are
 * well-formed, outputs are unique and outside the tracker's own prefix, every
 * node says which instrument runs it.
 *
 * @module
 */
import { findCycles, formatCycle } from './cycles.js';
import type { Locate } from './positions.js';
import { closest, formatPath, type WorkflowProblem } from './problems.js';
import type { Workflow } from './schema.js';

/** What the scheduler needs to know about a workflow's shape. */
export interface Plan {
  /** Node ids in declaration order. */
  readonly order: readonly string[];
  /** A node's dependencies: its `needs`, its `inputs.*.from`, its `when.node`. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** Owner → its fallback node. */
  readonly fallbackOf: ReadonlyMap<string, string>;
  /** Fallback node → the node it stands in for (fallback nodes never run on their own). */
  readonly ownerOf: ReadonlyMap<string, string>;
}

/** Refs under this prefix belong to the tracker's event log; no node may write there. */
export const RESERVED_PREFIX = 'dag/';

type Path = PropertyKey[];

function references(workflow: Workflow): { from: string; to: string; path: Path }[] {
  const refs: { from: string; to: string; path: Path }[] = [];
  for (const [id, node] of Object.entries(workflow.nodes)) {
    node.needs.forEach((to, i) => refs.push({ from: id, to, path: ['nodes', id, 'needs', i] }));
    for (const [name, input] of Object.entries(node.inputs)) {
      if (typeof input !== 'string') refs.push({ from: id, to: input.from, path: ['nodes', id, 'inputs', name, 'from'] });
    }
    if (node.when && 'node' in node.when) refs.push({ from: id, to: node.when.node, path: ['nodes', id, 'when', 'node'] });
  }
  return refs;
}

/** All nodes `id` depends on, directly or not. */
function ancestors(id: string, deps: ReadonlyMap<string, readonly string[]>): Set<string> {
  const out = new Set<string>();
  const todo = [...(deps.get(id) ?? [])];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (out.has(next)) continue;
    out.add(next);
    todo.push(...(deps.get(next) ?? []));
  }
  return out;
}

/**
 * Check the rules and build the plan. Problems are returned, not thrown.
 *
 * @example
 * const { plan, problems } = buildPlan(workflow, locate, 'flows/report.yaml');
 */
export function buildPlan(workflow: Workflow, locate: Locate, file: string): { plan: Plan; problems: WorkflowProblem[] } {
  const problems: WorkflowProblem[] = [];
  const add = (path: Path, message: string, atKey = false): void => {
    const { line, col } = locate(path, atKey);
    problems.push({ file, line, col, path: formatPath(path), message });
  };
  const order = Object.keys(workflow.nodes);
  const known = new Set(order);
  const deps = new Map<string, string[]>(order.map((id) => [id, []]));
  for (const ref of references(workflow)) {
    if (!known.has(ref.to)) {
      const guess = closest(ref.to, order);
      add(ref.path, `no node named "${ref.to}"; ${guess ? `did you mean "${guess}"?` : `the nodes are: ${order.join(', ')}`}`);
    } else if (!deps.get(ref.from)!.includes(ref.to)) deps.get(ref.from)!.push(ref.to);
  }

  const fallbackOf = new Map<string, string>();
  const ownerOf = new Map<string, string>();
  for (const [id, node] of Object.entries(workflow.nodes)) {
    if (!node.use && !node.decide) add(['nodes', id], `node "${id}" needs "use: <extension id>" (or "decide:" to pick one)`, true);
    if (node.fallback === undefined) continue;
    const at: Path = ['nodes', id, 'fallback'];
    const fb = node.fallback;
    if (fb === id) add(at, `node "${id}" cannot be its own fallback; name another node`);
    else if (!known.has(fb)) add(at, `no node named "${fb}"; ${closest(fb, order) ? `did you mean "${closest(fb, order)}"?` : 'declare the fallback node under "nodes:"'}`);
    else if (ownerOf.has(fb)) add(at, `"${fb}" is already the fallback of "${ownerOf.get(fb)}"; give each node its own fallback node`);
    else {
      fallbackOf.set(id, fb);
      ownerOf.set(fb, id);
    }
  }
  for (const [fb, owner] of ownerOf) {
    const node = workflow.nodes[fb]!;
    if (node.fallback !== undefined) add(['nodes', fb, 'fallback'], `"${fb}" is the fallback of "${owner}" and cannot have a fallback itself; remove this line`);
    if (node.output !== undefined) add(['nodes', fb, 'output'], `"${fb}" is the fallback of "${owner}" and writes its output; remove "output:" here`);
    const allowed = ancestors(owner, deps);
    for (const dep of deps.get(fb) ?? []) {
      if (!allowed.has(dep)) add(['nodes', fb], `fallback "${fb}" depends on "${dep}", which "${owner}" does not depend on; a fallback may only use what its node could`, true);
    }
    for (const [id, list] of deps) if (list.includes(fb) && id !== owner) add(['nodes', id], `"${id}" depends on "${fb}", a fallback node; depend on "${owner}" instead`, true);
  }

  for (const [id, node] of Object.entries(workflow.nodes)) {
    for (const [name, input] of Object.entries(node.inputs)) {
      if (typeof input === 'string' || !known.has(input.from)) continue;
      const source = workflow.nodes[input.from]!;
      if (source.output === undefined) add(['nodes', id, 'inputs', name, 'from'], `"${input.from}" has no "output:", so there is nothing to read; give it an output or use "needs:"`);
    }
  }

  const writers = new Map<string, string>();
  for (const [id, node] of Object.entries(workflow.nodes)) {
    if (node.output === undefined) continue;
    if (node.output.startsWith(RESERVED_PREFIX)) add(['nodes', id, 'output'], `refs under "${RESERVED_PREFIX}" hold the tracker's event log; write elsewhere`);
    const other = writers.get(node.output);
    if (other) add(['nodes', id, 'output'], `"${other}" already writes "${node.output}"; give each node its own output`);
    else writers.set(node.output, id);
  }

  for (const cycle of findCycles(order, deps)) {
    add(['nodes', cycle[0]!], `dependency cycle: ${formatCycle(cycle)}; remove one of these dependencies`, true);
  }
  return { plan: { order, deps, fallbackOf, ownerOf }, problems };
}
