/**
 * Policy problems and the one error that carries them. Every way a policy can
 * be wrong ends here: a `PolicyInvalidError` (a `KernelError` with code
 * `E_POLICY_INVALID`) whose message lists each problem as
 * `<file>:<line>:<col> <path>: <what is wrong and what to write instead>`.
 *
 * @module
 */
import { KernelError } from '../nanokernel/errors.js';

/** One thing wrong with a policy, at a 1-based line and column of the file. */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Where in the document, e.g. `extensions.reports.allow[2].resources[2]` (indexes count from 0). */
  readonly path: string;
  /** What is wrong and what is expected. */
  readonly message: string;
}

/**
 * Render a problem the way the CLI and the error message print it.
 *
 * @example
 * formatProblem({ file: 'p.yaml', line: 3, col: 7, path: 'version', message: 'version must be 1' })
 * // 'p.yaml:3:7 version: version must be 1'
 */
export function formatProblem(problem: PolicyProblem): string {
  return `${problem.file}:${problem.line}:${problem.col} ${problem.path}: ${problem.message}`;
}

const byPosition = (a: PolicyProblem, b: PolicyProblem): number => a.line - b.line || a.col - b.col;

/**
 * A policy that cannot be used. `problems` holds every problem found, sorted by
 * position; the message has one line per problem; `facts` name the first one.
 *
 * @example
 * try { await loadPolicyFile('policies/default.yaml') }
 * catch (err) { if (err instanceof PolicyInvalidError) for (const p of err.problems) console.error(formatProblem(p)) }
 */
export class PolicyInvalidError extends KernelError {
  readonly problems: readonly PolicyProblem[];

  constructor(problems: readonly PolicyProblem[], cause?: unknown) {
    if (problems.length === 0) throw new TypeError('PolicyInvalidError needs at least one problem');
    const sorted = Object.freeze([...problems].sort(byPosition).map((problem) => Object.freeze({ ...problem })));
    const first = sorted[0]!;
    super('E_POLICY_INVALID', sorted.map(formatProblem).join('\n'), {
      facts: { file: first.file, line: first.line, col: first.col, path: first.path, problems: sorted },
      hint:
        sorted.length === 1
          ? 'fix the line shown; docs/policies.md describes the format'
          : `fix the ${sorted.length} lines shown; docs/policies.md describes the format`,
      ...(cause === undefined ? {} : { cause }),
    });
    this.problems = sorted;
  }
}

export { closest, formatPath, show, typeName } from './diagnostics.js';
