/**
 * Shared helpers for the policy tests: real files in a fresh temporary
 * directory, and the error a failing load throws.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PolicyInvalidError } from '../../policies/index.js';

export const FIXTURES = 'test/policies/fixtures';

/** A temporary directory, removed by the returned `cleanup`. */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'nk-policy-'));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Run `fn`, expect a `PolicyInvalidError`, and return it. */
export async function policyError(fn: () => unknown): Promise<PolicyInvalidError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PolicyInvalidError);
  const error = caught as PolicyInvalidError;
  expect(error.code).toBe('E_POLICY_INVALID');
  return error;
}

/**
 * Paste `snippet` (a YAML list, unindented) under `extensions.<id>.allow:` of a
 * block-style policy text, the way a person would in an editor.
 */
export function pasteUnderAllow(text: string, id: string, snippet: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === `  ${id}:`);
  if (start < 0) throw new Error(`no extension ${id} in the text`);
  let at = start + 1;
  while (at < lines.length && lines[at] !== '    allow:' && !/^  \S/.test(lines[at]!)) at++;
  if (lines[at] !== '    allow:') throw new Error(`extension ${id} has no block "allow:" list`);
  const indented = snippet.trimEnd().split('\n').map((line) => `      ${line}`);
  lines.splice(at + 1, 0, ...indented);
  return lines.join('\n');
}
