/**
 * Learning mode end to end: the demo runs with `stale`'s grants removed and
 * `--learn stale`; `policy learn` writes its rules into the policy; the same
 * run then succeeds with no denial of stale, and the learned rules are no
 * wider than the run (what it did not do stays denied).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, expectNoStack, json, nk, runDemo, type DemoRun } from './cli.js';

interface Summary {
  readonly state: string;
  readonly denials: { actor: string; request: string; code: string }[];
}

let learning: DemoRun;
let learned: string;

beforeAll(async () => {
  learning = await runDemo(['--learn', 'stale'], (doc) => doc.setIn(['extensions', 'stale', 'allow'], []));
  learned = path.join(learning.dir, 'learned.yaml');
});

describe('policy learn', () => {
  it('the learning run succeeds; stale’s requests are recorded as denied and let through', () => {
    expect(learning.ran.stdout).toMatch(/: succeeded in /);
    const stale = learning.ran.stdout.split('\n').filter((line) => / E_DENIED stale /.test(line));
    expect(stale.map((line) => line.trim().replace(/: .*$/, '')).sort()).toEqual(
      ['E_DENIED stale call artifacts.gc', 'E_DENIED stale call dag.status', 'E_DENIED stale call pool.sweep', 'E_DENIED stale publish stale.sweep'].sort(),
    );
    expect(learning.ran.stdout).toMatch(/runs checked 1/); // the sweep got its answers
  });

  it('writes the least-privilege rules for stale into the policy', async () => {
    const ran = await nk(['policy', 'learn', '--from', learning.audit, '--ext', 'stale', '--policy', learning.policy, '--out', learned], learning.dir);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain(`wrote ${learned}: 1 extension learned`);
    expect((await nk(['policy', 'check', learned], learning.dir)).code).toBe(0);
    const policy = parse(readFileSync(learned, 'utf8')) as { extensions: Record<string, { allow?: Record<string, unknown>[] }> };
    expect(policy.extensions.stale!.allow!.map(({ why: _why, ...rule }) => rule)).toEqual([
      { call: 'artifacts', ops: ['gc'], resources: ['*'] },
      { call: 'dag', ops: ['status'], resources: ['*'] },
      { call: 'pool', ops: ['sweep'], resources: ['*'] },
      { publish: 'stale.sweep' },
    ]);
    // Only stale was learned: the others keep their hand-written grants.
    const base = parse(readFileSync(learning.policy, 'utf8')) as typeof policy;
    expect(policy.extensions.dag).toEqual(base.extensions.dag);
    expect(policy.extensions.summarize).toEqual(base.extensions.summarize);
  });

  it('under the learned policy the same run succeeds with no denial of stale', async () => {
    const rerun = path.join(learning.dir, 'rerun.log');
    const ran = await nk(['run', '--policy', learned, '--audit', rerun, '--keys', path.join(learning.dir, 'keys.json'), '--json'], learning.dir, 60_000);
    expect(ran.code, ran.stderr).toBe(0);
    const summary = json<Summary>(ran);
    expect(summary.state).toBe('succeeded');
    expect(summary.denials.map((d) => `${d.actor} ${d.request}`)).toEqual(['summarize call artifacts.get "secrets/api-key"']);
    const staleDenials = await nk(['audit', 'query', rerun, '--ext', 'stale', '--verdict', 'deny', '--json'], learning.dir);
    expect(staleDenials.stdout).toBe('');
    const staleAllowed = await nk(['audit', 'query', rerun, '--ext', 'stale', '--verdict', 'allow', '--action', 'call', '--json'], learning.dir);
    expect(staleAllowed.stdout).toContain('"actor":"stale","action":"call","verdict":"allow","target":"pool","op":"sweep"');
  });

  it('is no wider than the run: what stale did not do is denied (the hand-written policy allowed some of it)', async () => {
    const explain = (policy: string, ...request: string[]) => nk(['policy', 'explain', policy, '--as', 'stale', ...request], learning.dir);
    // dag.fail: granted by policies/default.yaml, never used in the run.
    expect((await explain(DEFAULT_POLICY, '--call', 'dag', 'fail')).code).toBe(0);
    const fail = await explain(learned, '--call', 'dag', 'fail');
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/^DENY: no rule matched \(default deny\)/);
    expect((await explain(learned, '--call', 'artifacts', 'put', 'reports/x.json')).code).toBe(1);
    expect((await explain(learned, '--publish', 'dag.run.failed')).code).toBe(1);
    expect((await explain(learned, '--call', 'dag', 'status')).code).toBe(0);
  });

  it('learns only what went through: a plain denial (summarize reading the secret) is never learned', async () => {
    const ran = await nk(['policy', 'learn', '--from', learning.audit, '--json'], learning.dir);
    expect(ran.code).toBe(0);
    const rules = json<Record<string, { to: string; ops: string[]; resources: string[] }[]>>(ran);
    expect(rules.summarize!.flatMap((rule) => rule.resources)).not.toContain('secrets/api-key');
    expect(rules.stale!.map((rule) => rule.to).sort()).toEqual(['artifacts', 'dag', 'pool', 'stale.sweep']);
  });

  it('--json with --policy prints JSON: the rules and the policy text', async () => {
    const ran = await nk(['policy', 'learn', '--from', learning.audit, '--ext', 'stale', '--policy', learning.policy, '--json'], learning.dir);
    expect(ran.code).toBe(0);
    const result = json<{ learned: Record<string, unknown[]>; policy: string; removedDenies: unknown[] }>(ran);
    expect(Object.keys(result.learned)).toEqual(['stale']);
    expect(result.policy).toContain('learned: used 1× in the recorded run');
    expect(result.removedDenies).toEqual([]);
  });

  it('errors: no --from is usage (2), a bad --collapse-at is usage (2), a missing log is exit 1', async () => {
    const noFrom = await nk(['policy', 'learn', '--ext', 'stale'], learning.dir);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain('--from <audit log> names the run to learn from');
    const collapse = await nk(['policy', 'learn', '--from', learning.audit, '--collapse-at', '1'], learning.dir);
    expect(collapse.code).toBe(2);
    const missing = await nk(['policy', 'learn', '--from', 'nowhere.log'], learning.dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('E_NO_TARGET');
    for (const ran of [noFrom, collapse, missing]) expectNoStack(ran);
  });
});
