/**
 * Runs the real `nanokernel` command (dist/cli/bin.js) as a subprocess, each
 * test in a temp directory of its own, and writes the demo policy there with
 * absolute module paths and its artifact store inside the temp directory, so
 * nothing is written into the repository. Needs `npm run build` first.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { expect } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.join(ROOT, 'dist', 'cli', 'bin.js');
export const PLUGINS = path.join(ROOT, 'dist', 'plugins');
export const DEFAULT_POLICY = path.join(ROOT, 'policies', 'default.yaml');

/** What a finished command left: its exit code and both streams. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `nanokernel <args>` in `cwd` and wait for it to exit (killed after `timeoutMs`). */
export function nk(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run `npm <args>` with the repository as its package, from `cwd`. */
export function npm(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('npm', ['--prefix', ROOT, ...args], { cwd, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'nk-cli-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** No stack frames: errors are printed as code, message and hint unless `--debug`. */
export function expectNoStack(ran: Ran): void {
  expect(ran.stderr).not.toContain('    at ');
  expect(ran.stdout).not.toContain('    at ');
}

/** Stdout as JSON (one document), failing the test with the text if it is not. */
export function json<T = Record<string, unknown>>(ran: Ran): T {
  try {
    return JSON.parse(ran.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON:\n${ran.stdout}\nstderr:\n${ran.stderr}`);
  }
}

/** Stdout as JSON lines. */
export function jsonLines<T = Record<string, unknown>>(ran: Ran): T[] {
  return ran.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** How the demo policy names its modules. */
export interface DemoPolicyOptions {
  /**
   * Link `dir/dist` to the build and name modules relative to it (`dist/plugins/…`),
   * as a project of one's own would: nothing of the machine's layout shows in the
   * log (the README's screenshot is taken from such a run). Default: absolute paths.
   */
  readonly linkDist?: boolean;
}

/**
 * policies/default.yaml with its modules found from `dir` and the artifact store in
 * `dir`, optionally changed by `edit` (which gets the YAML document). Returns its path.
 */
export function writeDemoPolicy(dir: string, name = 'policy.yaml', edit?: (doc: ReturnType<typeof parseDocument>) => void, options: DemoPolicyOptions = {}): string {
  const doc = parseDocument(readFileSync(DEFAULT_POLICY, 'utf8'));
  if (options.linkDist) symlinkSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), 'dir');
  for (const id of Object.keys((doc.toJS() as { extensions: Record<string, unknown> }).extensions)) {
    const module = doc.getIn(['extensions', id, 'module']);
    if (typeof module !== 'string') continue;
    const absolute = path.resolve(path.dirname(DEFAULT_POLICY), module);
    doc.setIn(['extensions', id, 'module'], options.linkDist ? path.relative(ROOT, absolute) : absolute);
  }
  doc.setIn(['extensions', 'artifacts', 'host', 'fs', 0, 'path'], path.join(dir, '.nanokernel', 'artifacts'));
  edit?.(doc);
  const file = path.join(dir, name);
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
  return file;
}

/** A demo run recorded in its own temp directory. */
export interface DemoRun {
  readonly dir: string;
  readonly policy: string;
  readonly audit: string;
  readonly ran: Ran;
}

/** Run the demo workflow (`nanokernel run`) on the demo policy in a fresh temp directory. */
export async function runDemo(extraArgs: readonly string[] = [], edit?: Parameters<typeof writeDemoPolicy>[2], options: DemoPolicyOptions = {}): Promise<DemoRun> {
  const dir = tempDir('nk-demo-');
  const policy = writeDemoPolicy(dir, 'policy.yaml', edit, options);
  const audit = path.join(dir, 'audit.log');
  const ran = await nk(['run', '--policy', policy, '--audit', audit, '--keys', path.join(dir, 'keys.json'), ...extraArgs], dir, 60_000);
  if (ran.code !== 0) throw new Error(`the demo failed (exit ${ran.code}):\n${ran.stdout}\n${ran.stderr}`);
  return { dir, policy, audit, ran };
}
