import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePolicy, diffPolicies, parsePolicy } from '../../policies/index.js';

const original = readFileSync('policies/default.yaml', 'utf8');
const compile = (text: string) => {
  const { policy, source } = parsePolicy(text, 'policies/default.yaml');
  return compilePolicy(policy, source);
};
const base = compile(original);

describe('diffPolicies', () => {
  it('reports nothing for a comment or a why that changed', () => {
    const next = compile(original.replace('# The pool only answers calls', '# changed\n    # The pool only answers calls').replace('report run and task state transitions', 'say what happened'));
    expect(diffPolicies(base, next)).toMatchObject({ added: [], removed: [], changed: [] });
  });

  it('a removed op narrows the extension and lists the grants', () => {
    const next = compile(original.replace('ops: [lease, claim, renew, release, status]', 'ops: [lease, claim, release, status]'));
    const diff = diffPolicies(base, next);
    expect(diff.changed).toHaveLength(1);
    const change = diff.changed[0]!;
    expect(change).toMatchObject({ id: 'dag', narrowed: true, widened: false, restart: false });
    expect(change.removed.map((g) => g.ops)).toEqual([['lease', 'claim', 'renew', 'release', 'status']]);
    expect(change.added.map((g) => g.ops)).toEqual([['lease', 'claim', 'release', 'status']]);
  });

  it('a new deny narrows; a new allow widens; host changes need a restart', () => {
    const denied = compile(original.replace(
      '    deny:\n', '    deny:\n      - publish: dag.secret\n        why: nobody hears this\n'));
    expect(diffPolicies(base, denied).changed).toEqual([expect.objectContaining({ id: 'dag', narrowed: true, widened: false })]);
    const widened = compile(original.replace('      - publish: stale.sweep', '      - publish: "stale.*"'));
    expect(diffPolicies(base, widened).changed).toEqual([expect.objectContaining({ id: 'stale', narrowed: false, widened: true })]);
    const host = compile(original.replace('memoryMb: 32', 'memoryMb: 48'));
    expect(diffPolicies(base, host).changed).toEqual([expect.objectContaining({ id: 'pool', narrowed: false, widened: false, restart: true })]);
  });

  it('lists added and removed extensions', () => {
    const start = original.indexOf('  relay:\n');
    const withoutRelay = original.slice(0, start).replace('      - delegate: summarize\n        why: hand the instrument a token for exactly the artifact keys of its task\n', '');
    const next = compile(`${withoutRelay}  mailer:\n    sandbox: worker\n    module: m.js\n    why: sends mail\n`);
    const diff = diffPolicies(base, next);
    expect(diff.added).toEqual(['mailer']);
    expect(diff.removed).toEqual(['relay']);
    expect(diff.changed.map((c) => [c.id, c.narrowed])).toEqual([['dag', true]]);
    expect(diff.oldHash).not.toBe(diff.newHash);
  });
});
