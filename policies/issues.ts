/**
 * Turn zod issues into policy problems that point at the right line: a missing
 * key at the map that lacks it, an unknown key or a bad extension id at the key
 * itself, a rule that matches none of the four rule shapes at the shape it
 * meant (judged by which of `call`/`publish`/`subscribe`/`delegate` it names).
 *
 * @module
 */
import type { z } from 'zod';
import { FileGrant, HostGrants } from '../capabilities/index.js';
import { closest, formatPath, show, typeName, type PolicyProblem } from './problems.js';
import { Extension, RULE_ACTIONS, Rule } from './schema.js';
import type { PolicySource } from './source.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

const ROOT_KEYS = ['version', 'extensions'];
const EXTENSION_KEYS = Object.keys(Extension.shape);
const HOST_KEYS = Object.keys(HostGrants.shape);
const FILE_KEYS = Object.keys(FileGrant.shape);
const RULE_KEYS = Rule.options.map((option) => Object.keys(option.shape));

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Which of the four rule actions a raw rule names. */
export function actionsNamed(rule: unknown): string[] {
  if (typeof rule !== 'object' || rule === null) return [];
  return RULE_ACTIONS.filter((action) => Object.prototype.hasOwnProperty.call(rule, action));
}

/** The keys the object at `path` may have, judged from the path's shape. */
function allowedKeys(path: Path, raw: unknown): string[] {
  const n = path.length;
  if (n === 0) return ROOT_KEYS;
  if (n === 2 && path[0] === 'extensions') return EXTENSION_KEYS;
  if (n === 3 && path[2] === 'host') return HOST_KEYS;
  if (n === 5 && path[2] === 'host' && path[3] === 'fs') return FILE_KEYS;
  if (n === 4 && (path[2] === 'allow' || path[2] === 'deny')) {
    const named = actionsNamed(valueAt(raw, path));
    const index = named.length === 1 ? RULE_ACTIONS.indexOf(named[0] as (typeof RULE_ACTIONS)[number]) : -1;
    return index >= 0 ? RULE_KEYS[index]! : [...RULE_ACTIONS, 'ops', 'resources', 'why'];
  }
  return [];
}

function describe(issue: Issue, raw: unknown): string {
  const input = valueAt(raw, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
      return `expected ${expected}, found ${typeName(input)}`;
    }
    case 'invalid_value':
      return issue.message.startsWith('Invalid')
        ? `expected one of ${issue.values.map((v) => show(v)).join(', ')}, found ${show(input)}`
        : issue.message;
    case 'too_small':
    case 'too_big': {
      if (!/^Too (small|big)/.test(issue.message)) return issue.message;
      const small = issue.code === 'too_small';
      const limit = String(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      const length = issue.origin === 'string' || issue.origin === 'array' ? 'length ' : '';
      const found = typeof input === 'string' ? `${input.length} characters` : Array.isArray(input) ? `${input.length} items` : show(input);
      return `expected ${length}${small ? 'at least' : 'at most'} ${limit}${unit}, found ${found}`;
    }
    case 'invalid_format':
    case 'custom': {
      const generic = /^Invalid/.test(issue.message);
      const message = generic ? `${issue.message.replace(/^Invalid input: /, '')}` : issue.message;
      const shown = show(input);
      return message.includes(shown) || typeof input === 'object' ? message : `${message}; found ${shown}`;
    }
    default:
      return issue.message;
  }
}

/**
 * Map every zod issue to one or more problems.
 *
 * @example
 * const result = PolicyFile.safeParse(raw);
 * if (!result.success) problems.push(...issuesToProblems(result.error.issues, raw, source));
 */
export function issuesToProblems(issues: readonly Issue[], raw: unknown, source: PolicySource): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (path: Path, message: string, atKey = false): void => {
    const { line, col } = source.position(path, atKey);
    problems.push({ file: source.file, line, col, path: formatPath(path), message });
  };
  const visit = (issue: Issue, prefix: Path): void => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(path, raw);
      for (const key of issue.keys) {
        const guess = closest(key, allowed);
        const hint = guess ? `did you mean "${guess}"?` : `expected one of: ${allowed.join(', ')}`;
        add([...path, key], `unknown key "${key}"; ${hint}`, true);
      }
    } else if (issue.code === 'invalid_key') {
      const id = String(path.at(-1));
      const inner = issue.issues[0]?.message ?? 'not a valid key';
      add(path, `${show(id)} is not a valid extension id: ${inner}`, true);
    } else if (issue.code === 'invalid_union') {
      const named = actionsNamed(valueAt(raw, path));
      if (named.length === 1) {
        const branch = issue.errors[RULE_ACTIONS.indexOf(named[0] as (typeof RULE_ACTIONS)[number])] ?? [];
        for (const inner of branch) visit(inner, path);
      } else if (named.length === 0) {
        add(path, `a rule names exactly one of ${RULE_ACTIONS.join(', ')}; found ${typeName(valueAt(raw, path))}`);
      } else {
        add(path, `a rule names exactly one action but this one names ${named.join(' and ')}; split it into ${named.length} rules`);
      }
    } else if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && valueAt(raw, path) === undefined && path.length > 0) {
      const key = String(path.at(-1));
      add(path.slice(0, -1), `"${key}" is required: ${requiredHint(key)}`);
    } else {
      add(path, describe(issue, raw));
    }
  };
  for (const issue of issues) visit(issue, []);
  return problems;
}

function requiredHint(key: string): string {
  switch (key) {
    case 'version':
      return 'start the file with "version: 1"';
    case 'extensions':
      return 'list the extensions under "extensions:", each by id';
    case 'sandbox':
      return 'write "sandbox: worker" or "sandbox: wasm"';
    case 'module':
      return 'give the module file, relative to this policy file';
    case 'why':
      return 'say in one line what this extension is for';
    default:
      return `add "${key}:"`;
  }
}
