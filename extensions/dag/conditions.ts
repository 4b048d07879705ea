/**
 * `when:` conditions. A node runs only when its condition holds:
 * `{ exists: ref }` / `{ missing: ref }` ask the artifact store (`stat`; a
 * missing ref answers `E_NO_TARGET`), `{ node, path?, equals | notEquals }`
 * compares a finished node's reply (at a dotted `path`) with a JSON value.
 *
 * @module
 */
import { codeOf, type ArtifactsClient } from './artifacts.js';
import type { Condition } from './workflow/schema.js';

/**
 * The value at a dotted path (`a.b.0`); `undefined` when absent.
 *
 * @example
 * valueAtPath({ words: [3, 4] }, 'words.1') // 4
 */
export function valueAtPath(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let current = value;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Structural equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Does an artifact exist? `E_NO_TARGET` means no; other errors are the node's failure. */
async function exists(artifacts: ArtifactsClient, ref: string): Promise<boolean> {
  try {
    await artifacts.stat(ref);
    return true;
  } catch (error) {
    if (codeOf(error) === 'E_NO_TARGET') return false;
    throw error;
  }
}

/**
 * Evaluate `when`; `why` says what was decided, for the `skipped` event.
 *
 * @example
 * await evaluate({ node: 'count', path: 'words', equals: 0 }, { artifacts, resultOf: (id) => results[id], resolve: (r) => r })
 */
export async function evaluate(
  when: Condition,
  env: { readonly artifacts: ArtifactsClient; resultOf(node: string): unknown; resolve(ref: string): string },
): Promise<{ ok: boolean; why: string }> {
  if ('exists' in when) {
    const ref = env.resolve(when.exists);
    return (await exists(env.artifacts, ref)) ? { ok: true, why: `"${ref}" exists` } : { ok: false, why: `when.exists: "${ref}" does not exist` };
  }
  if ('missing' in when) {
    const ref = env.resolve(when.missing);
    return (await exists(env.artifacts, ref)) ? { ok: false, why: `when.missing: "${ref}" exists` } : { ok: true, why: `"${ref}" is missing` };
  }
  const value = valueAtPath(env.resultOf(when.node), when.path);
  const where = `${when.node}${when.path ? `.${when.path}` : ''}`;
  if ('equals' in when) return jsonEqual(value, when.equals) ? { ok: true, why: `${where} equals` } : { ok: false, why: `when: ${where} is not equal to the expected value` };
  return jsonEqual(value, when.notEquals) ? { ok: false, why: `when: ${where} equals the excluded value` } : { ok: true, why: `${where} differs` };
}
