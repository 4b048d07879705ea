/**
 * Workflow problems and the one error that carries them: a `WorkflowInvalidError`
 * (code `E_BAD_ENVELOPE`: the workflow is the body of a `run`) whose message has
 * one line per problem, `<file>:<line>:<col> <path>: <what to change>`.
 *
 * @module
 */
import { KernelError } from '../../sdk/worker/index.js';

/** One thing wrong with a workflow, at a 1-based line and column. */
export interface WorkflowProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Where in the document, e.g. `nodes.count.inputs.text`. */
  readonly path: string;
  readonly message: string;
}

/**
 * Render a problem as the CLI and the error message print it.
 *
 * @example
 * formatProblem({ file: 'wf.yaml', line: 4, col: 5, path: 'nodes.a', message: 'cycle a → a' })
 * // 'wf.yaml:4:5 nodes.a: cycle a → a'
 */
export function formatProblem(problem: WorkflowProblem): string {
  return `${problem.file}:${problem.line}:${problem.col} ${problem.path}: ${problem.message}`;
}

/** Problems shown in `facts` (the message lists them all, cut at 8 KB). */
const MAX_FACT_PROBLEMS = 20;

/**
 * A workflow that cannot run. `problems` is sorted by position.
 *
 * @example
 * try { parseWorkflow(text, 'flows/report.yaml') }
 * catch (err) { if (err instanceof WorkflowInvalidError) err.problems.forEach((p) => console.error(formatProblem(p))) }
 */
export class WorkflowInvalidError extends KernelError {
  readonly problems: readonly WorkflowProblem[];

  constructor(problems: readonly WorkflowProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
    const first = sorted[0] ?? { file: '(workflow)', line: 1, col: 1, path: '(root)', message: 'invalid workflow' };
    super('E_BAD_ENVELOPE', sorted.map(formatProblem).join('\n').slice(0, 8_000) || formatProblem(first), {
      facts: { file: first.file, line: first.line, col: first.col, path: first.path, problems: sorted.slice(0, MAX_FACT_PROBLEMS) },
      hint: `fix the ${sorted.length === 1 ? 'line' : `${sorted.length} lines`} shown; docs/workflows.md describes the format`,
    });
    this.problems = sorted;
  }
}

/** Quote a value for a message, shortened. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Render a document path: `nodes.count.inputs.text`, `nodes.a.needs[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The closest candidate within `maxDistance` edits (fewer for short words), for "did you mean". */
export function closest(word: string, candidates: readonly string[], maxDistance = Math.min(2, Math.floor(word.length / 3))): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 4;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
