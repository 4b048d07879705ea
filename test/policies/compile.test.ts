import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGrants, covers, type Action } from '../../capabilities/index.js';
import { compilePolicy, loadPolicyFile, parsePolicy, type CompiledPolicy } from '../../policies/index.js';

const compile = (text: string, file = 'policies/inline.yaml'): CompiledPolicy => {
  const { policy, source } = parsePolicy(text, file);
  return compilePolicy(policy, source);
};

const decide = (policy: CompiledPolicy, as: string, action: Action, to: string, op = '', resource = '') =>
  covers(policy.extensions.get(as)!.grants, { action, to, op, resource });

describe('compilePolicy', () => {
  it('gives every grant the rule id of its entry and the entry\'s why', async () => {
    const policy = await loadPolicyFile('policies/examples/reports.yaml');
    const lines = readFileSync('policies/examples/reports.yaml', 'utf8').split('\n');
    const reports = policy.extensions.get('reports')!;
    expect(reports.grants.map((g) => [g.effect, g.action, g.rule, g.why])).toEqual([
      ['allow', 'call', 'policies/examples/reports.yaml:19:9', 'read any report'],
      ['allow', 'call', 'policies/examples/reports.yaml:23:9', 'write its own drafts'],
      ['allow', 'publish', 'policies/examples/reports.yaml:27:9', 'announce finished reports'],
      ['deny', 'call', 'policies/examples/reports.yaml:30:9', 'the archive is legal hold; nobody but auditors reads it'],
    ]);
    for (const grant of reports.grants) {
      const info = policy.rules.get(grant.rule!)!;
      expect(info).toMatchObject({ extension: 'reports', effect: grant.effect, action: grant.action, why: grant.why });
      const text = lines[info.line - 1]!.slice(info.col - 1);
      expect(text.startsWith(`${grant.action}:`)).toBe(true);
    }
    expect(policy.rules.size).toBe(4);
  });

  it('applies defaults: ops and resources "*", no host authority', () => {
    const policy = compile('version: 1\nextensions:\n  a:\n    sandbox: worker\n    module: a.js\n    why: x\n    allow: [{ call: a }]\n');
    const a = policy.extensions.get('a')!;
    expect(a.grants[0]).toMatchObject({ ops: ['*'], resources: ['*'] });
    expect(a.host).toMatchObject({ net: [], fs: [], clock: false });
    expect(a.data).toEqual({});
  });

  it('resolves module and fs paths against the policy file, not the working directory', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    const artifacts = policy.extensions.get('artifacts')!;
    expect(artifacts.module).toBe(resolve('dist/extensions/artifacts/index.js'));
    expect(artifacts.host.fs).toEqual([{ path: resolve('.nanokernel/artifacts'), mode: 'readwrite' }]);
    expect(policy.extensions.get('wordcount')!.module).toBe(resolve('dist/plugins/wordcount.wasm'));
    expect(policy.extensions.get('pool')!.data).toEqual({ slots: { wordcount: 2, summarize: 2, relay: 1 }, modes: { relay: 'exclusive' } });
  });

  it('freezes what it hands out', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    const dag = policy.extensions.get('dag')!;
    expect(Object.isFrozen(dag.grants)).toBe(true);
    expect(Object.isFrozen(dag.grants[0]!.ops)).toBe(true);
    expect(Object.isFrozen(dag.host.fs)).toBe(true);
    expect(() => (dag.data['retry'] as Record<string, number>)['attempts'] = 99).toThrow(TypeError);
  });
});

describe('decisions on the default policy', () => {
  it('deny wins over allow, whatever the order', () => {
    const text = (order: 'allow-first' | 'deny-first') => {
      const allow = '    allow:\n      - call: b\n';
      const deny = '    deny:\n      - call: b\n        ops: [drop]\n        why: never\n';
      const head = 'version: 1\nextensions:\n  b: { sandbox: worker, module: b.js, why: target }\n  a:\n    sandbox: worker\n    module: a.js\n    why: x\n';
      return head + (order === 'allow-first' ? allow + deny : deny + allow);
    };
    for (const order of ['allow-first', 'deny-first'] as const) {
      const policy = compile(text(order));
      const denied = decide(policy, 'a', 'call', 'b', 'drop');
      expect(denied.verdict).toBe('deny');
      expect(denied.grant?.why).toBe('never');
      expect(decide(policy, 'a', 'call', 'b', 'keep').verdict).toBe('allow');
    }
  });

  it('denies what no rule mentions (default deny)', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    expect(decide(policy, 'wordcount', 'call', 'artifacts', 'get', 'x')).toEqual({ verdict: 'deny', grant: null });
    expect(decide(policy, 'relay', 'call', 'artifacts', 'get', 'x')).toEqual({ verdict: 'deny', grant: null });
    expect(decide(policy, 'artifacts', 'publish', 'dag.run.started')).toEqual({ verdict: 'deny', grant: null });
    expect(decide(policy, 'cheapest', 'call', 'arbitration', 'ask')).toEqual({ verdict: 'deny', grant: null });
  });

  it('grants each system extension what its job needs', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    const allowed: Array<[string, Action, string, string?, string?]> = [
      ['dag', 'call', 'pool', 'lease'], ['dag', 'call', 'artifacts', 'put', 'sha256/ab'], ['dag', 'call', 'wordcount', 'task'],
      ['dag', 'delegate', 'wordcount'], ['dag', 'delegate', 'summarize'], ['operator', 'call', 'dag', 'run'], ['operator', 'subscribe', 'dag.node.running'], ['dag', 'publish', 'dag.run.started'], ['dag', 'call', 'arbitration', 'ask'],
      ['stale', 'call', 'pool', 'sweep'], ['stale', 'call', 'dag', 'fail'], ['stale', 'call', 'artifacts', 'gc'],
      ['stale', 'publish', 'stale.sweep'], ['artifacts', 'publish', 'artifacts.put'], ['arbitration', 'publish', 'decision.made.42'],
      ['cheapest', 'subscribe', 'decision.ask.7'], ['fastest', 'call', 'arbitration', 'propose'], ['relay', 'call', 'wordcount', 'count'],
    ];
    for (const [as, action, to, op, resource] of allowed) expect(decide(policy, as, action, to, op, resource).verdict, `${as} ${action} ${to} ${op}`).toBe('allow');
    const denied: Array<[string, Action, string, string?]> = [
      ['dag', 'call', 'pool', 'sweep'], ['dag', 'call', 'artifacts', 'gc'], ['relay', 'call', 'relay', 'x'], ['relay', 'call', 'pool', 'lease'],
      ['stale', 'call', 'artifacts', 'put'], ['stale', 'publish', 'stale.other'], ['pool', 'call', 'wordcount', 'count'],
      ['dag', 'call', 'wordcount', 'count'], ['summarize', 'call', 'artifacts', 'get'], ['operator', 'call', 'artifacts', 'get'],
      ['artifacts', 'publish', 'artifacts.stored'],
    ];
    for (const [as, action, to, op] of denied) expect(decide(policy, as, action, to, op).verdict, `${as} ${action} ${to} ${op}`).toBe('deny');
    expect(decide(policy, 'dag', 'call', 'pool', 'sweep').grant?.effect).toBe('deny');
  });

  it('the compiled matcher agrees with covers on the default policy', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    const ids = [...policy.extensions.keys()];
    const ops = ['lease', 'sweep', 'gc', 'get', 'put', 'ask', 'propose', 'fail', 'count', 'task', 'run', ''];
    for (const extension of policy.extensions.values()) {
      const matcher = compileGrants(extension.grants);
      for (const action of ['call', 'publish', 'subscribe', 'delegate'] as const) {
        for (const to of [...ids, 'dag.run.x', 'decision.ask.1', 'stale.sweep', 'artifacts.stored']) {
          for (const op of action === 'call' ? ops : ['']) {
            const reference = covers(extension.grants, { action, to, op, resource: '' });
            expect(matcher.decide(action, to, op, '')).toBe(reference.grant);
          }
        }
      }
    }
  });
});

describe('hash', () => {
  const original = readFileSync('policies/examples/reports.yaml', 'utf8');

  it('does not change with comments, quoting, flow style or key order', () => {
    const reformatted = [
      '# a different file, the same policy',
      'extensions:',
      '  store: {why: keeps report files, module: "../../dist/examples/store/index.js", sandbox: worker,',
      '          host: {fs: [{mode: readwrite, path: ../../.nanokernel/reports}]}}',
      '  reports:',
      '    why: "builds quarterly reports from stored data"',
      '    sandbox: worker   # comment',
      '    module: ../../dist/examples/reports/index.js',
      '    data: {quarter: "Q3"}',
      '    host: {timeoutMs: 10000}',
      '    deny: [{call: store, resources: ["reports/archive/*"], why: "the archive is legal hold; nobody but auditors reads it"}]',
      '    allow:',
      '      - {call: store, ops: [get, list], resources: ["reports/*"], why: read any report}',
      '      - {why: write its own drafts, call: store, ops: [put], resources: ["reports/drafts/*"]}',
      '      - {publish: reports.*, why: announce finished reports}',
      'version: 1',
    ].join('\n');
    expect(compile(reformatted, 'policies/examples/other.yaml').hash).toBe(compile(original, 'policies/examples/reports.yaml').hash);
  });

  it('changes when a grant, a host grant or data changes', () => {
    const base = compile(original).hash;
    expect(compile(original.replace('ops: [put]', 'ops: [put, delete]')).hash).not.toBe(base);
    expect(compile(original.replace('timeoutMs: 10000', 'timeoutMs: 10001')).hash).not.toBe(base);
    expect(compile(original.replace('quarter: Q3', 'quarter: Q4')).hash).not.toBe(base);
    expect(compile(original.replace('mode: readwrite', 'mode: read')).hash).not.toBe(base);
    expect(compile(original.replace(/\n/g, '\n\n  # blank lines move every rule\n')).hash).toBe(base);
  });
});
