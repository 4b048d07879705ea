import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyInvalidError, watchPolicy, type CompiledPolicy, type PolicyDiff, type PolicyWatcher } from '../../policies/index.js';
import { tempDir } from './helpers.js';

const GOOD = readFileSync('policies/examples/reports.yaml', 'utf8');
let watcher: PolicyWatcher | undefined;
let cleanup: (() => void) | undefined;
afterEach(() => {
  watcher?.close();
  cleanup?.();
});

/** Start watching a fresh copy of reports.yaml; events arrive on queues the test awaits. */
async function start() {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const path = tmp.write('policy.yaml', GOOD);
  const changes: Array<[CompiledPolicy, PolicyDiff]> = [];
  const errors: Error[] = [];
  let wake: (() => void) | undefined;
  watcher = await watchPolicy(path, {
    onChange: (next, diff) => { changes.push([next, diff]); wake?.(); },
    onError: (error) => { errors.push(error); wake?.(); },
  }, { debounceMs: 30 });
  const next = (count: () => number, want: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no event within 5 s')), 5_000);
      const check = () => { if (count() >= want) { clearTimeout(timer); resolve(); } };
      wake = check;
      check();
    });
  return { path, dir: tmp.dir, changes, errors, nextChange: (n: number) => next(() => changes.length, n), nextError: (n: number) => next(() => errors.length, n) };
}

describe('watchPolicy', () => {
  it('a valid change fires onChange with the new policy and a diff', async () => {
    const w = await start();
    const first = watcher!.current;
    writeFileSync(w.path, GOOD.replace('ops: [put]', 'ops: [put, delete]'));
    await w.nextChange(1);
    const [next, diff] = w.changes[0]!;
    expect(next.hash).not.toBe(first.hash);
    expect(watcher!.current).toBe(next);
    expect(diff.changed.map((c) => [c.id, c.widened, c.narrowed])).toEqual([['reports', true, false]]);
    expect(w.errors).toEqual([]);
  });

  it('a broken change fires onError and keeps the previous policy', async () => {
    const w = await start();
    const first = watcher!.current;
    writeFileSync(w.path, GOOD.replace('ops: [put]', 'ops: [pu*t]'));
    await w.nextError(1);
    const error = w.errors[0] as PolicyInvalidError;
    expect(error).toBeInstanceOf(PolicyInvalidError);
    expect(error.facts).toMatchObject({ file: w.path, line: 24, path: 'extensions.reports.allow[1].ops[0]' });
    expect(watcher!.current).toBe(first);
    expect(w.changes).toEqual([]);
    writeFileSync(w.path, GOOD.replace('ops: [put]', 'ops: [put, delete]'));
    await w.nextChange(1);
    expect(watcher!.current.hash).not.toBe(first.hash);
  });

  it('follows an editor that saves by renaming a temporary file over the policy', async () => {
    const w = await start();
    for (const [n, op] of [[1, 'delete'], [2, 'archive']] as const) {
      const temp = join(w.dir, `.policy.yaml.${n}.swp`);
      writeFileSync(temp, GOOD.replace('ops: [put]', `ops: [put, ${op}]`));
      renameSync(temp, w.path);
      await w.nextChange(n);
      expect(watcher!.current.extensions.get('reports')!.grants[1]!.ops).toEqual(['put', op]);
    }
  });

  it('a deleted file fires onError, keeps the last good policy, and a restored file is picked up', async () => {
    const w = await start();
    const first = watcher!.current;
    rmSync(w.path);
    await w.nextError(1);
    expect(w.errors[0]).toBeInstanceOf(PolicyInvalidError);
    expect(w.errors[0]!.message).toContain('the file was deleted; the last good policy');
    expect(watcher!.current).toBe(first);
    writeFileSync(w.path, GOOD.replace('quarter: Q3', 'quarter: Q4'));
    await w.nextChange(1);
    expect(watcher!.current.extensions.get('reports')!.data).toEqual({ quarter: 'Q4' });
  });

  it('refuses to start on a bad policy', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const path = tmp.write('bad.yaml', 'version: 3\nextensions: {}\n');
    await expect(watchPolicy(path, { onChange: () => undefined, onError: () => undefined })).rejects.toMatchObject({ code: 'E_POLICY_INVALID' });
  });

  it('an exception thrown by onChange reaches onError instead of crashing', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const path = tmp.write('policy.yaml', GOOD);
    const errors: Error[] = [];
    watcher = await watchPolicy(path, { onChange: () => { throw new Error('kernel bug'); }, onError: (e) => errors.push(e) });
    writeFileSync(path, GOOD.replace('quarter: Q3', 'quarter: Q5'));
    await watcher.reload();
    expect(errors.map((e) => e.message)).toEqual(['kernel bug']);
    expect(watcher.current.extensions.get('reports')!.data).toEqual({ quarter: 'Q5' });
  });
});
