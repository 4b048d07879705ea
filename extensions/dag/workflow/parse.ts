/**
 * Parse workflow text (YAML, or JSON, which is YAML too) into a validated
 * `Workflow` and its `Plan`, or throw one `WorkflowInvalidError` listing every
 * problem with its line and column: syntax, duplicate keys, the schema, the
 * graph rules (unknown nodes, cycles named as `a → b → a`, fallbacks, outputs).
 *
 * Pure: no I/O, no Node built-ins; the tracker runs it in its sandbox and the
 * CLI can import it to check files.
 *
 * @module
 */
import { parseDocument } from 'yaml';
import { textPositions } from '../../../policies/text-positions.js';
import { buildPlan, type Plan } from './graph.js';
import { issuesToProblems } from './issues.js';
import { duplicateKeys, makeLocator } from './positions.js';
import { WorkflowInvalidError, type WorkflowProblem } from './problems.js';
import { Workflow } from './schema.js';

/** Larger workflow texts are refused before parsing. */
export const MAX_WORKFLOW_CHARS = 256 * 1024;

export interface ParsedWorkflow {
  readonly workflow: Workflow;
  readonly plan: Plan;
}

/**
 * Parse and check a workflow. `file` is only used in messages.
 *
 * @throws WorkflowInvalidError (code `E_BAD_ENVELOPE`) listing every problem.
 * @example
 * const { workflow, plan } = parseWorkflow(text, 'flows/report.yaml');
 */
export function parseWorkflow(text: string, file = '(workflow)'): ParsedWorkflow {
  const at = (line: number, col: number, path: string, message: string): WorkflowProblem => ({ file, line, col, path, message });
  if (text.length > MAX_WORKFLOW_CHARS) {
    throw new WorkflowInvalidError([at(1, 1, '(root)', `the workflow is longer than ${MAX_WORKFLOW_CHARS} characters; split it`)]);
  }
  // Positions counted from the text: the parser's own counter skips newlines after a syntax error.
  const linePos = textPositions(text);
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: false });
  const syntax = [...doc.errors, ...doc.warnings].map((error) => {
    const { line, col } = linePos(error.pos[0]);
    const what = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
    return at(line, col, '(syntax)', `${what} [${error.code}]`);
  });
  if (syntax.length > 0) throw new WorkflowInvalidError(syntax);
  if (doc.contents === null) throw new WorkflowInvalidError([at(1, 1, '(root)', 'the workflow is empty; start it with "version: 1", "name:" and "nodes:"')]);

  const duplicates = duplicateKeys(doc).map(({ path, key, offset }) => {
    const { line, col } = linePos(offset);
    return at(line, col, path.map(String).join('.'), `"${key}" is set twice in this mapping; keep one`);
  });
  if (duplicates.length > 0) throw new WorkflowInvalidError(duplicates);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (cause) {
    throw new WorkflowInvalidError([at(1, 1, '(syntax)', `${(cause as Error).message}; remove the alias loop`)]);
  }
  const locate = makeLocator(doc, linePos);
  const result = Workflow.safeParse(raw);
  if (!result.success) {
    const problems = issuesToProblems(result.error.issues, raw, locate, file);
    throw new WorkflowInvalidError(problems.length > 0 ? problems : [at(1, 1, '(root)', result.error.message)]);
  }
  const { plan, problems } = buildPlan(result.data, locate, file);
  if (problems.length > 0) throw new WorkflowInvalidError(problems);
  return { workflow: result.data, plan };
}
