/**
 * Workflow problems and the one error that carries them: a `WorkflowInvalidError`
 * (code `E_BAD_ENVELOPE`: the workflow is the body of a `run`) whose message has
 * one line per problem, `<file>:<line>:<col> <path>: <what to change>`.
 *
 * @module
 */
import { KernelError } from '../../sdk/worker/index.js';
import { closest as nearest } from '../../../policies/diagnostics.js';

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

export { formatPath, show, typeName } from '../../../policies/diagnostics.js';

/** The closest candidate, allowing fewer edits for short words (node ids are short). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  return nearest(word, candidates, Math.min(2, Math.floor(word.length / 3)));
}
