import { describe, expect, it } from 'vitest';
import { KernelError } from '../../nanokernel/errors.js';
import { formatProblem, loadPolicyFile, parsePolicy } from '../../policies/index.js';
import { FIXTURES, policyError } from './helpers.js';

const invalid = (name: string): string => `${FIXTURES}/invalid/${name}`;

/** Each invalid fixture: where the (first) problem is, and words its message must contain. */
const CASES: ReadonlyArray<[file: string, line: number, col: number, path: string, says: string]> = [
  ['bad-version.yaml', 1, 10, 'version', 'version must be 1'],
  ['yaml-syntax.yaml', 6, 1, '(syntax)', 'Flow sequence'],
  ['truncated.json', 5, 1, '(syntax)', 'end with a }'],
  ['unknown-tag.yaml', 6, 10, '(syntax)', 'Unresolved tag: !secret'],
  ['empty.yaml', 1, 1, '(root)', 'the file is empty; start it with "version: 1"'],
  ['not-a-mapping.yaml', 1, 1, '(root)', 'expected a mapping, found a list'],
  ['duplicate-extension.yaml', 7, 3, 'extensions.dag', 'duplicate extension id "dag"; it is already set at line 3'],
  ['duplicate-key.yaml', 8, 5, 'extensions.dag.why', 'duplicate key "why"; it is already set at line 6'],
  ['unknown-root-key.yaml', 1, 1, '(root)', '"extensions" is required'],
  ['unknown-key.yaml', 7, 5, 'extensions.dag.hots', 'unknown key "hots"; did you mean "host"?'],
  ['bad-pattern.yaml', 16, 46, 'extensions.reports.allow[1].resources[2]', '"re*ports" is not a valid pattern; use a literal key or end with "/*"'],
  ['unknown-target.yaml', 12, 15, 'extensions.dag.allow[0].call', 'call target "artifact" is not an extension of this policy; did you mean "artifacts"?'],
  ['unknown-delegate.yaml', 8, 19, 'extensions.dag.allow[0].delegate', 'delegate target "wordcounter" is not an extension'],
  ['wasm-no-sha.yaml', 4, 14, 'extensions.wordcount.sandbox', 'a wasm extension needs "sha256:", the sha256 of its module; run: sha256sum ../dist/plugins/wordcount.wasm'],
  ['bad-sha.yaml', 6, 13, 'extensions.wordcount.sha256', 'a sha256 is 64 lower-case hex characters'],
  ['bad-id.yaml', 3, 3, 'extensions.Reports', '"Reports" is not a valid extension id'],
  ['two-actions.yaml', 9, 9, 'extensions.dag.allow[1]', 'names call and publish; split it into 2 rules'],
  ['no-action.yaml', 8, 9, 'extensions.dag.deny[0]', 'a rule names exactly one of call, publish, subscribe, delegate'],
  ['ops-on-publish.yaml', 9, 9, 'extensions.dag.allow[0].ops', 'unknown key "ops"; expected one of: publish, why'],
  ['bad-sandbox.yaml', 4, 14, 'extensions.dag.sandbox', 'expected one of "worker", "wasm", "host", found "docker"'],
  ['host-with-module.yaml', 5, 13, 'extensions.operator.module', 'a host principal runs in the kernel'],
  ['missing-module.yaml', 4, 14, 'extensions.dag.sandbox', 'a worker extension needs "module:"'],
  ['bad-host.yaml', 8, 32, 'extensions.fetcher.host.net[1]', 'no scheme, no path); found "https://api.example.com/v1"'],
  ['bad-fs-mode.yaml', 10, 17, 'extensions.artifacts.host.fs[0].mode', 'expected one of "read", "readwrite", found "write"'],
  ['empty-ops.yaml', 9, 14, 'extensions.dag.allow[0].ops', 'list at least one op, or leave "ops" out'],
  ['wrong-module-kind.yaml', 5, 13, 'extensions.wordcount.module', 'a wasm extension\'s module is a ".wasm" file'],
  ['data-proto.yaml', 10, 9, 'extensions.pool.data.nested.__proto__', 'the key "__proto__" is not allowed'],
  ['too-much-memory.yaml', 7, 23, 'extensions.dag.host.memoryMb', 'expected at most 4096, found 99999'],
];

describe('loadPolicyFile: valid files', () => {
  it.each(['policies/default.yaml', 'policies/examples/minimal.yaml', 'policies/examples/reports.yaml', 'policies/examples/plugins.json'])(
    'loads %s',
    async (file) => {
      const policy = await loadPolicyFile(file);
      expect(policy.file).toBe(file);
      expect(policy.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(policy.extensions.size).toBeGreaterThan(0);
    },
  );

  it('loads every system extension of the default policy, each rule with a why', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    expect([...policy.extensions.keys()].sort()).toEqual(
      ['arbitration', 'artifacts', 'cheapest', 'dag', 'fastest', 'operator', 'pool', 'relay', 'stale', 'summarize', 'wordcount'],
    );
    for (const extension of policy.extensions.values()) {
      expect(extension.why.length).toBeGreaterThan(10);
      for (const grant of extension.grants) expect(grant.why, grant.rule).toBeTruthy();
      if (extension.sandbox === 'wasm') expect(extension.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe('loadPolicyFile: invalid files', () => {
  it(`has at least 15 invalid fixtures (${CASES.length})`, () => expect(CASES.length).toBeGreaterThanOrEqual(15));

  it.each(CASES)('%s → line %i col %i', async (name, line, col, path, says) => {
    const file = invalid(name);
    const error = await policyError(() => loadPolicyFile(file));
    expect(error).toBeInstanceOf(KernelError);
    expect(error.facts).toMatchObject({ file, line, col, path });
    const first = error.message.split('\n')[0]!;
    expect(first.startsWith(`${file}:${line}:${col} ${path}: `)).toBe(true);
    expect(first).toContain(says);
    expect(first).toBe(formatProblem(error.problems[0]!));
  });

  it('reports every problem of a file, in order, one per line of the message', async () => {
    const error = await policyError(() =>
      parsePolicy(
        [
          'version: 1',
          'extensions:',
          '  a:',
          '    sandbox: worker',
          '    module: a.js',
          '    why: first',
          '    allow:',
          '      - call: b',
          '        resources: ["x*"]',
          '      - publish: "a.*"',
          '        resources: [x]',
          '    hots: {}',
        ].join('\n'),
        'inline.yaml',
      ),
    );
    expect(error.problems.map((p) => [p.line, p.col, p.path])).toEqual([
      [9, 21, 'extensions.a.allow[0].resources[0]'],
      [11, 9, 'extensions.a.allow[1].resources'],
      [12, 5, 'extensions.a.hots'],
    ]);
    expect(error.message.split('\n')).toHaveLength(3);
    expect(error.facts['problems']).toHaveLength(3);
  });

  it('a missing file is E_POLICY_INVALID naming the file', async () => {
    const error = await policyError(() => loadPolicyFile('test/policies/fixtures/nope.yaml'));
    expect(error.message).toBe('test/policies/fixtures/nope.yaml:1:1 (file): the file does not exist; check the path');
  });

  it('refuses YAML alias bombs', async () => {
    const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'extensions: {}'].join('\n');
    const error = await policyError(() => parsePolicy(bomb, 'bomb.yaml'));
    expect(error.problems[0]!.path).toBe('(syntax)');
    expect(error.message).toMatch(/alias/i);
  });
});
