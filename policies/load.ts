/**
 * Read a policy file (YAML, or JSON, which is YAML too) into a validated
 * `PolicyFile`, or fail with one `PolicyInvalidError` listing every problem
 * with its line and column: YAML syntax, duplicate keys, the schema, and the
 * cross-field checks.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { parseDocument, type YAMLError } from 'yaml';
import { keyProblems, semanticProblems } from './check.js';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { issuesToProblems } from './issues.js';
import { PolicyInvalidError, type PolicyProblem } from './problems.js';
import { PolicyFile } from './schema.js';
import { makeSource, textPositions, type LinePos, type PolicySource } from './source.js';

/** Larger files are refused before parsing (a policy is text a person reviews). */
export const MAX_POLICY_BYTES = 8 * 1024 * 1024;

/** A validated policy and where each part of it came from. */
export interface ParsedPolicy {
  readonly policy: PolicyFile;
  readonly source: PolicySource;
}

function yamlProblem(file: string, error: YAMLError, linePos: LinePos): PolicyProblem {
  const at = linePos(error.pos[0]);
  const what = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
  return { file, line: at.line, col: at.col, path: '(syntax)', message: `${what} [${error.code}]` };
}

/**
 * Parse and validate policy text. `fileName` is used as given in every message
 * and rule id, and its directory is where relative paths resolve from.
 *
 * @throws PolicyInvalidError (code `E_POLICY_INVALID`) listing every problem found.
 * @example
 * const { policy, source } = parsePolicy(text, 'policies/default.yaml');
 * const compiled = compilePolicy(policy, source);
 */
export function parsePolicy(text: string, fileName: string): ParsedPolicy {
  const problem = (message: string): PolicyInvalidError =>
    new PolicyInvalidError([{ file: fileName, line: 1, col: 1, path: '(root)', message }]);
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
    throw problem(`the file is larger than ${MAX_POLICY_BYTES} bytes; split it or remove generated rules`);
  }
  const linePos = textPositions(text);
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: false });
  const source = makeSource(fileName, doc, linePos);
  const syntax = [...doc.errors, ...doc.warnings].map((error) => yamlProblem(fileName, error, linePos));
  if (syntax.length > 0) throw new PolicyInvalidError(syntax);
  if (doc.contents === null) throw problem('the file is empty; start it with "version: 1" and "extensions:"');

  // With a key set twice, later positions would point at the wrong occurrence: fix duplicates first.
  const duplicates = keyProblems(doc, source, linePos);
  if (duplicates.length > 0) throw new PolicyInvalidError(duplicates);
  const problems: PolicyProblem[] = [];
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new PolicyInvalidError([{ file: fileName, line: 1, col: 1, path: '(syntax)', message: String((cause as Error).message) }], cause);
  }
  const result = PolicyFile.safeParse(raw);
  if (!result.success) problems.push(...issuesToProblems(result.error.issues, raw, source));
  else problems.push(...semanticProblems(result.data, source));
  if (!result.success && problems.length === 0) {
    problems.push({ file: fileName, line: 1, col: 1, path: '(root)', message: result.error.message });
  }
  if (problems.length > 0 || !result.success) throw new PolicyInvalidError(problems);
  return { policy: result.data, source };
}

/**
 * Read, validate and compile a policy file.
 *
 * @throws PolicyInvalidError when the file cannot be read or is not a valid policy.
 * @example
 * const policy = await loadPolicyFile('policies/default.yaml');
 * policy.extensions.get('dag')?.grants
 */
export async function loadPolicyFile(path: string): Promise<CompiledPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
    const what = code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code})`;
    throw new PolicyInvalidError([{ file: path, line: 1, col: 1, path: '(file)', message: `${what}; check the path` }], cause);
  }
  const { policy, source } = parsePolicy(text, path);
  return compilePolicy(policy, source);
}
