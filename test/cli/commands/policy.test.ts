/**
 * `nanokernel policy check|explain|schema|diff` on the demo policy, and `diff`
 * replaying a recorded demo run under narrowed and widened policies: it lists
 * exactly the decisions that change.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, expectNoStack, json, nk, runDemo, tempDir, writeDemoPolicy, type DemoRun } from './cli.js';

interface Changed {
  readonly request: { as: string; action: string; to: string; op: string; resource: string };
  readonly before: 'allow' | 'deny';
  readonly after: 'allow' | 'deny';
  readonly rule: string | null;
}

const describeChange = ({ request: r, before, after }: Changed) => `${before}→${after} ${r.as} ${r.action} ${r.to}${r.op ? `.${r.op}` : ''}${r.resource ? ` "${r.resource}"` : ''}`;

describe.concurrent('policy check', () => {
  it('the demo policy is valid: exit 0, with --json the hash and the extensions', async () => {
    const dir = tempDir();
    const ran = await nk(['policy', 'check', DEFAULT_POLICY], dir);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^valid: .*default\.yaml — 11 extensions, \d+ rules, hash [0-9a-f]{16}…\n$/);
    const result = json<{ ok: boolean; hash: string; extensions: string[] }>(await nk(['policy', 'check', DEFAULT_POLICY, '--json'], dir));
    expect(result.ok).toBe(true);
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.extensions).toEqual(expect.arrayContaining(['operator', 'dag', 'summarize', 'wordcount', 'stale']));
  });

  it('a broken policy: exit 1, every problem as file:line:col, no stack', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\nextensions:\n  a:\n    sandbox: worker\n    why: x\n    allow:\n      - call: b\n        opz: [x]\n        why: y\n');
    const ran = await nk(['policy', 'check', 'bad.yaml'], dir);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^E_POLICY_INVALID: \d+ problems?\n/);
    expect(ran.stderr).toMatch(/bad\.yaml:\d+:\d+ /);
    expectNoStack(ran);
    const asJson = await nk(['policy', 'check', 'bad.yaml', '--json'], dir);
    expect(asJson.code).toBe(1);
    expect(json<{ error: { code: string } }>(asJson).error.code).toBe('E_POLICY_INVALID');
  });

  it('no file: exit 1; no file named: exit 2', async () => {
    const dir = tempDir();
    const missing = await nk(['policy', 'check', 'nope.yaml'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml:1:1 (file): the file does not exist; check the path');
    const unnamed = await nk(['policy', 'check'], dir);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('missing the policy file');
  });
});

describe.concurrent('policy explain', () => {
  it("the demo's denial: DENY by default, exit 1, with a rule to paste", async () => {
    const dir = tempDir();
    const ran = await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'summarize', '--call', 'artifacts', 'get', 'secrets/api-key'], dir);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe(
      [
        'DENY: no rule matched (default deny)',
        'denied by default: no rule of summarize allows summarize call artifacts op get resource secrets/api-key. If it should, add the suggested rule under extensions.summarize.allow',
        'to allow it, add under extensions.summarize.allow:',
        '  - call: artifacts',
        '    ops: [get]',
        '    resources: [secrets/api-key]',
        '    why: "TODO: say why summarize needs get artifacts on secrets/api-key"',
        '',
      ].join('\n'),
    );
    expectNoStack(ran);
  });

  it('an allowed request names its rule, exit 0; a deny rule beats an allow', async () => {
    const dir = tempDir();
    const allowed = await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'stale', '--call', 'dag', 'fail', '--json'], dir);
    expect(allowed.code).toBe(0);
    expect(json(allowed)).toMatchObject({ verdict: 'allow', rule: { file: expect.stringContaining('default.yaml'), line: expect.any(Number), why: expect.stringContaining('mark them failed') } });
    const denied = await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'dag', '--call', 'pool', 'sweep'], dir);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/^DENY: rule .*default\.yaml:\d+:\d+ — only the stale sweeper reclaims leases/);
  });

  it('publish, subscribe and delegate are explained too', async () => {
    const dir = tempDir();
    expect((await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'operator', '--subscribe', 'dag.run.started'], dir)).code).toBe(0);
    expect((await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'dag', '--delegate', 'summarize'], dir)).code).toBe(0);
    expect((await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'dag', '--delegate', 'relay'], dir)).code).toBe(1);
    expect((await nk(['policy', 'explain', DEFAULT_POLICY, '--as', 'arbitration', '--publish', 'dag.run.failed'], dir)).code).toBe(1);
  });

  it('usage errors exit 2: no --as, no request, two requests, --call without op', async () => {
    const dir = tempDir();
    for (const args of [
      ['--call', 'artifacts', 'get'],
      ['--as', 'stale'],
      ['--as', 'stale', '--call', '--publish', 'x', 'y'],
      ['--as', 'stale', '--call', 'dag'],
    ]) {
      const ran = await nk(['policy', 'explain', DEFAULT_POLICY, ...args], dir);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr).toContain('nanokernel policy <check|explain|schema|diff|learn>');
      expectNoStack(ran);
    }
  });
});

describe.concurrent('policy schema', () => {
  it('prints the JSON Schema of a policy', async () => {
    const ran = await nk(['policy', 'schema', '--json'], tempDir());
    expect(ran.code).toBe(0);
    const schema = json<{ type: string; properties: Record<string, unknown> }>(ran);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['version', 'extensions']));
  });
});

describe.concurrent('policy diff --against a recorded run', () => {
  let demo: DemoRun;

  beforeAll(async () => {
    demo = await runDemo();
  });

  const diff = async (newPolicy: string) => {
    const ran = await nk(['policy', 'diff', demo.policy, newPolicy, '--against', demo.audit, '--json'], demo.dir);
    expect(ran.code, ran.stderr).toBe(0);
    return json<{ requests: number; changed: Changed[] }>(ran);
  };

  it('the same policy changes nothing', async () => {
    const result = await diff(demo.policy);
    expect(result.requests).toBeGreaterThan(20);
    expect(result.changed).toEqual([]);
    const human = await nk(['policy', 'diff', demo.policy, demo.policy, '--against', demo.audit], demo.dir);
    expect(human.stdout).toBe(`no decision changes across ${result.requests} recorded requests\n`);
  });

  it('a narrowed policy: exactly the requests it takes away become denied', async () => {
    const narrowed = writeDemoPolicy(demo.dir, 'narrowed.yaml', (doc) => {
      // stale may no longer read run status (fail stays), the operator no longer hears decisions,
      // and dag no longer lists artifacts (a grant the run uses) nor cancels runs (one it does not).
      doc.setIn(['extensions', 'stale', 'allow', 1, 'ops'], ['fail']);
      doc.deleteIn(['extensions', 'operator', 'allow', 5]);
      doc.setIn(['extensions', 'dag', 'allow', 1, 'ops'], ['get', 'put', 'stat']);
      doc.setIn(['extensions', 'operator', 'allow', 0, 'ops'], ['run', 'status']);
    });
    const result = await diff(narrowed);
    expect(result.changed.map(describeChange).sort()).toEqual(
      ['allow→deny dag call artifacts.list "dag/runs/"', 'allow→deny operator subscribe decision.made.*', 'allow→deny stale call dag.status'].sort(),
    );
    const human = await nk(['policy', 'diff', demo.policy, narrowed, '--against', demo.audit], demo.dir);
    expect(human.stdout).toMatch(new RegExp(`^3 of ${result.requests} recorded requests would be decided differently:\n`));
    expect(human.stdout).toMatch(/ {2}allowed → DENIED {2}stale call dag\.status \(1×, first at line \d+\)\n/);
  });

  it('a widened policy: exactly the denial it now covers becomes allowed, with the rule', async () => {
    const widened = writeDemoPolicy(demo.dir, 'widened.yaml', (doc) => {
      doc.setIn(['extensions', 'summarize', 'allow'], [{ call: 'artifacts', ops: ['get'], resources: ['secrets/*'], why: 'widened for the test' }]);
      // Also grants nobody used: no recorded request changes because of them.
      doc.setIn(['extensions', 'relay', 'allow', 0, 'ops'], ['count', 'task']);
    });
    const result = await diff(widened);
    expect(result.changed.map(describeChange)).toEqual(['deny→allow summarize call artifacts.get "secrets/api-key"']);
    expect(result.changed[0]!.rule).toMatch(/widened\.yaml:\d+:\d+$/);
    const human = await nk(['policy', 'diff', demo.policy, widened, '--against', demo.audit], demo.dir);
    expect(human.stdout).toMatch(/ {2}denied → ALLOWED {2}summarize call artifacts\.get "secrets\/api-key" \(1×, first at line \d+\) by .*widened\.yaml:\d+:\d+\n/);
  });

  it('errors: --against missing is usage (2), a missing log or policy is exit 1', async () => {
    const noLog = await nk(['policy', 'diff', demo.policy, demo.policy], demo.dir);
    expect(noLog.code).toBe(2);
    expect(noLog.stderr).toContain('--against <audit log>');
    const missingLog = await nk(['policy', 'diff', demo.policy, demo.policy, '--against', 'nowhere.log'], demo.dir);
    expect(missingLog.code).toBe(1);
    expect(missingLog.stderr).toContain('E_NO_TARGET: no audit log at nowhere.log');
    const missingPolicy = await nk(['policy', 'diff', demo.policy, 'nope.yaml', '--against', demo.audit, '--json'], demo.dir);
    expect(missingPolicy.code).toBe(1);
    expect(json<{ error: { code: string } }>(missingPolicy).error.code).toBe('E_POLICY_INVALID');
    for (const ran of [noLog, missingLog, missingPolicy]) expectNoStack(ran);
  });
});
