import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { explain, loadPolicyFile, type ExplainQuery } from '../../policies/index.js';
import { pasteUnderAllow, tempDir } from './helpers.js';

const REPORTS = 'policies/examples/reports.yaml';
const DEFAULT = 'policies/default.yaml';
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** Paste the suggestion into a copy of `file`, reload it, and explain the query again. */
async function pasteAndRetry(file: string, query: ExplainQuery, suggestion: string) {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const pasted = tmp.write('policy.yaml', pasteUnderAllow(readFileSync(file, 'utf8'), query.as, suggestion));
  return explain(await loadPolicyFile(pasted), query);
}

describe('explain', () => {
  it('names the allow rule that decided, with its line and why', async () => {
    const answer = explain(await loadPolicyFile(REPORTS), { as: 'reports', action: 'call', to: 'store', op: 'get', resource: 'reports/q3.json' });
    expect(answer.verdict).toBe('allow');
    expect(answer.rule).toMatchObject({ id: `${REPORTS}:19:9`, line: 19, col: 9, why: 'read any report', effect: 'allow' });
    expect(answer.suggestion).toBeNull();
    expect(answer.advice).toContain(`${REPORTS}:19:9 (why: read any report)`);
  });

  it('a deny rule decides over an allow, and the advice says an allow cannot override it', async () => {
    const answer = explain(await loadPolicyFile(REPORTS), { as: 'reports', action: 'call', to: 'store', op: 'get', resource: 'reports/archive/2019.json' });
    expect(answer.verdict).toBe('deny');
    expect(answer.rule).toMatchObject({ id: `${REPORTS}:30:9`, effect: 'deny', line: 30 });
    expect(answer.suggestion).toBeNull();
    expect(answer.advice).toContain('adding an allow cannot override it');
    expect(answer.advice).toContain(`narrow or remove the rule at ${REPORTS}:30:9`);
  });

  it('default deny suggests the smallest rule, as YAML', async () => {
    const answer = explain(await loadPolicyFile(REPORTS), { as: 'reports', action: 'call', to: 'store', op: 'delete', resource: 'reports/drafts/x.md' });
    expect(answer).toMatchObject({ verdict: 'deny', rule: null });
    expect(answer.suggestion).toBe(
      '- call: store\n  ops: [delete]\n  resources: [reports/drafts/x.md]\n  why: "TODO: say why reports needs delete store on reports/drafts/x.md"\n',
    );
  });

  const pasteCases: Array<[string, string, ExplainQuery]> = [
    ['a call with op and resource', REPORTS, { as: 'reports', action: 'call', to: 'store', op: 'delete', resource: 'reports/drafts/x.md' }],
    ['a call without resource', REPORTS, { as: 'reports', action: 'call', to: 'store', op: 'ping' }],
    ['a call without op or resource', REPORTS, { as: 'reports', action: 'call', to: 'reports' }],
    ['a subscription', REPORTS, { as: 'reports', action: 'subscribe', to: 'store.changed' }],
    ['a publish', DEFAULT, { as: 'stale', action: 'publish', to: 'stale.report' }],
    ['a delegation', DEFAULT, { as: 'stale', action: 'delegate', to: 'wordcount' }],
    ['a call with a tricky resource', DEFAULT, { as: 'dag', action: 'call', to: 'artifacts', op: 'delete', resource: 'refs/#main:"x"&[y],{z}!' }],
  ];
  it.each(pasteCases)('pasting the suggestion for %s makes the request allowed, and only it', async (_name, file, query) => {
    const before = explain(await loadPolicyFile(file), query);
    expect(before.verdict).toBe('deny');
    expect(before.suggestion).not.toBeNull();
    const after = await pasteAndRetry(file, query, before.suggestion!);
    expect(after.verdict).toBe('allow');
    expect(after.rule?.why).toMatch(/^TODO: say why/);
  });

  it('the pasted rule does not allow a neighbouring request', async () => {
    const query: ExplainQuery = { as: 'reports', action: 'call', to: 'store', op: 'delete', resource: 'reports/drafts/x.md' };
    const { suggestion } = explain(await loadPolicyFile(REPORTS), query);
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const policy = await loadPolicyFile(tmp.write('p.yaml', pasteUnderAllow(readFileSync(REPORTS, 'utf8'), 'reports', suggestion!)));
    expect(explain(policy, { ...query, resource: 'reports/drafts/y.md' }).verdict).toBe('deny');
    expect(explain(policy, { ...query, op: 'purge' }).verdict).toBe('deny');
  });

  it('does not suggest rules that could not load or could not work', async () => {
    const policy = await loadPolicyFile(DEFAULT);
    const unknownTarget = explain(policy, { as: 'dag', action: 'call', to: 'mailer', op: 'send' });
    expect(unknownTarget).toMatchObject({ verdict: 'deny', rule: null, suggestion: null });
    expect(unknownTarget.advice).toContain('"mailer" is not an extension');
    const unknownCaller = explain(policy, { as: 'ghost', action: 'publish', to: 'x' });
    expect(unknownCaller).toMatchObject({ verdict: 'deny', suggestion: null });
    expect(unknownCaller.advice).toContain('"ghost" is not an extension');
    const wildcard = explain(policy, { as: 'dag', action: 'call', to: 'artifacts', op: 'get', resource: 'reports/*' });
    expect(wildcard).toMatchObject({ verdict: 'deny', rule: null, suggestion: null });
    expect(wildcard.advice).toContain('only grants may use');
  });

  it('the deny of the default policy is explained with its line', async () => {
    const answer = explain(await loadPolicyFile(DEFAULT), { as: 'dag', action: 'call', to: 'pool', op: 'sweep' });
    const lines = readFileSync(DEFAULT, 'utf8').split('\n');
    expect(answer.verdict).toBe('deny');
    expect(lines[answer.rule!.line - 1]).toContain('- call: pool');
    expect(lines[answer.rule!.line]).toContain('ops: [sweep]');
  });
});
