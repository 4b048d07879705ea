/**
 * Turn zod issues into workflow problems that point at the right line: a
 * missing key at the mapping that lacks it, an unknown key at the key itself
 * (with "did you mean"), a bad node id at its key, anything else at the value.
 *
 * @module
 */
import type { z } from 'zod';
import type { Locate } from './positions.js';
import { closest, formatPath, show, typeName, type WorkflowProblem } from './problems.js';
import { NODE_KEYS, WORKFLOW_KEYS } from './schema.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Keys the mapping at `path` may hold, judged by where it is. */
function allowedKeys(path: Path): string[] {
  if (path.length === 0) return WORKFLOW_KEYS;
  if (path.length === 2 && path[0] === 'nodes') return NODE_KEYS;
  if (path.length === 1 && path[0] === 'defaults') return ['timeoutMs', 'retries', 'backoff'];
  if (path.at(-1) === 'backoff') return ['baseMs', 'factor', 'maxMs', 'jitter'];
  if (path.at(-1) === 'lease') return ['instrument', 'ttlMs'];
  if (path.at(-1) === 'decide') return ['kind', 'question', 'candidates', 'deadlineMs', 'reducer'];
  if (path.at(-1) === 'when') return ['exists', 'missing', 'node', 'path', 'equals', 'notEquals'];
  return [];
}

function describe(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
      return `expected ${expected}, found ${typeName(input)}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => show(v)).join(' or ')}, found ${show(input)}`;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = String(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return `expected ${unit ? 'length ' : ''}${small ? 'at least' : 'at most'} ${limit}${unit}, found ${Array.isArray(input) ? `${input.length} items` : show(input)}`;
    }
    default: {
      const message = issue.message.replace(/^Invalid input: /, '');
      return typeof input === 'object' || message.includes(show(input)) ? message : `${message}; found ${show(input)}`;
    }
  }
}

/** The union branch with the fewest issues (the shape the author most likely meant). */
function bestBranch(errors: readonly (readonly Issue[])[]): readonly Issue[] {
  let best: readonly Issue[] = errors[0] ?? [];
  for (const branch of errors) if (branch.length < best.length) best = branch;
  return best;
}

/** Keys every branch of a union of mappings rejects: surely misspelt, whatever shape was meant. */
function keysNoBranchKnows(errors: readonly (readonly Issue[])[]): string[] {
  const perBranch = errors.map((branch) => new Set(branch.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : []))));
  return [...(perBranch[0] ?? [])].filter((key) => perBranch.every((keys) => keys.has(key)));
}

/**
 * Map zod issues of `Workflow.safeParse(raw)` to problems with positions.
 *
 * @example
 * const result = Workflow.safeParse(raw);
 * if (!result.success) problems.push(...issuesToProblems(result.error.issues, raw, locate, file));
 */
export function issuesToProblems(issues: readonly Issue[], raw: unknown, locate: Locate, file: string): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  const add = (path: Path, message: string, atKey = false): void => {
    const { line, col } = locate(path, atKey);
    problems.push({ file, line, col, path: formatPath(path), message });
  };
  const visit = (issue: Issue, prefix: Path): void => {
    const path = [...prefix, ...issue.path];
    const input = valueAt(raw, path);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(path);
      for (const key of issue.keys) {
        const guess = closest(key, allowed);
        add([...path, key], `unknown key "${key}"; ${guess ? `did you mean "${guess}"?` : `expected one of: ${allowed.join(', ')}`}`, true);
      }
    } else if (issue.code === 'invalid_key') {
      add(path, `${show(String(path.at(-1)))} is not a valid node id: ${issue.issues[0]?.message ?? 'invalid'}`, true);
    } else if (issue.code === 'invalid_union') {
      const unknown = typeof input === 'object' && input !== null ? keysNoBranchKnows(issue.errors) : [];
      if (unknown.length > 0) {
        visit({ code: 'unrecognized_keys', keys: unknown, path: [], message: '', input } as Issue, path);
      } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
        for (const inner of bestBranch(issue.errors)) visit(inner, path);
      } else if (typeof input === 'string' && (issue.errors[0]?.length ?? 0) > 0) {
        for (const inner of issue.errors[0]!) visit(inner, path);
      } else {
        add(path, `expected ${expectedShape(path)}, found ${typeName(input)}`);
      }
    } else if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && input === undefined && path.length > 0) {
      add(path.slice(0, -1), `"${String(path.at(-1))}" is required: add "${String(path.at(-1))}:"`);
    } else {
      add(path, describe(issue, input));
    }
  };
  for (const issue of issues) visit(issue, []);
  return problems;
}

function expectedShape(path: Path): string {
  const parent = path.at(-2);
  if (parent === 'inputs') return 'an artifact ref or { from: <node> }';
  if (path.at(-1) === 'lease') return 'true or { instrument, ttlMs }';
  if (path.at(-1) === 'when') return '{ exists: ref }, { missing: ref } or { node, path, equals | notEquals }';
  return 'a valid value';
}
