import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePolicy, parsePolicy } from '../../policies/index.js';

const id = fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/);
const literal = fc.stringMatching(/^[a-z0-9][a-z0-9_#@=-]{0,8}$/);
const pattern = fc.oneof(literal, literal.map((l) => `${l}/*`), literal.map((l) => `${l}.*`), fc.constant('*'));
const why = fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), { nil: undefined });

/** A random valid policy as plain data, and the request shapes its rules name. */
const policyArb = fc.uniqueArray(id, { minLength: 1, maxLength: 5 }).chain((ids) => {
  const target = fc.oneof(fc.constantFrom(...ids), literal.map((l) => `${l}.*`), fc.constant('*'));
  const rule = fc.oneof(
    fc.record({ call: target, ops: fc.option(fc.array(pattern, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      resources: fc.option(fc.array(pattern, { minLength: 1, maxLength: 3 }), { nil: undefined }), why }),
    fc.record({ publish: pattern, why }),
    fc.record({ subscribe: pattern, why }),
    fc.record({ delegate: target, why }),
  ).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
  const extension = fc.record({
    wasm: fc.boolean(),
    sha: fc.stringMatching(/^[0-9a-f]{64}$/),
    why: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    allow: fc.array(rule, { maxLength: 5 }),
    deny: fc.array(rule, { maxLength: 3 }),
    // `__proto__` keys are refused by the loader (tested in load.test.ts), so they are left out here.
    data: fc.option(fc.dictionary(literal, fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('"__proto__"')), { maxKeys: 3 }), { nil: undefined }),
  }).map(({ wasm, sha, ...rest }) => ({
    sandbox: wasm ? 'wasm' : 'worker',
    module: wasm ? '../dist/plugins/x.wasm' : '../dist/x.js',
    ...(wasm ? { sha256: sha } : {}),
    ...rest,
    ...(rest.data === undefined ? { data: undefined } : {}),
  }));
  return fc.tuple(...ids.map((name) => extension.map((spec) => [name, JSON.parse(JSON.stringify(spec))] as const)));
}).map((entries) => ({ version: 1, extensions: Object.fromEntries(entries) }));

const ACTIONS = ['call', 'publish', 'subscribe', 'delegate'] as const;

describe('property: random valid policies', () => {
  it('compile, and every grant\'s rule resolves to the line and column of its entry', () => {
    fc.assert(
      fc.property(policyArb, fc.constantFrom('block', 'flow', 'any') as fc.Arbitrary<'block' | 'flow' | 'any'>, fc.boolean(), (policy, style, comments) => {
        let text = stringify(policy, { collectionStyle: style, lineWidth: 0 });
        if (comments) text = `# header\n\n${text.replace(/\n/g, '\n# note\n')}`;
        const file = `policies/random-${style}.yaml`;
        const { policy: parsed, source } = parsePolicy(text, file);
        const compiled = compilePolicy(parsed, source);
        const lines = text.split('\n');
        let count = 0;
        for (const [extensionId, spec] of Object.entries(policy.extensions) as Array<[string, { allow: object[]; deny: object[] }]>) {
          const grants = compiled.extensions.get(extensionId)!.grants;
          const written = [...spec.allow.map((r) => ['allow', r] as const), ...spec.deny.map((r) => ['deny', r] as const)];
          expect(grants).toHaveLength(written.length);
          grants.forEach((grant, i) => {
            const [effect, rule] = written[i]!;
            const action = ACTIONS.find((a) => a in rule)!;
            expect(grant).toMatchObject({ effect, action, to: (rule as Record<string, unknown>)[action] });
            const info = compiled.rules.get(grant.rule!)!;
            expect(info).toMatchObject({ file, extension: extensionId, effect, action });
            expect(grant.rule).toBe(`${file}:${info.line}:${info.col}`);
            const at = lines[info.line - 1]!.slice(info.col - 1);
            expect(at.startsWith('{') || ACTIONS.some((a) => at.startsWith(`${a}:`)) || at.startsWith('why:')).toBe(true);
            count++;
          });
        }
        expect(compiled.rules.size).toBe(count);
        // The same content written in another style hashes the same.
        const other = stringify(policy, { collectionStyle: style === 'flow' ? 'block' : 'flow', lineWidth: 0 });
        const again = parsePolicy(other, file);
        expect(compilePolicy(again.policy, again.source).hash).toBe(compiled.hash);
      }),
      { numRuns: 150 },
    );
  });
});
