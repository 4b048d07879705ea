import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicy, parsePolicy, policyJsonSchema, type CompiledPolicy } from '../../policies/index.js';
import { policyError } from './helpers.js';

const compile = (text: string, file = 'policies/inline.yaml'): CompiledPolicy => {
  const { policy, source } = parsePolicy(text, file);
  return compilePolicy(policy, source);
};

const BASE = `version: 1
extensions:
  operator:
    sandbox: host
    why: the command line
    allow:
      - call: compiler
        ops: [build]
  reports:
    sandbox: worker
    module: reports.js
    why: serves reports
`;

const PEERS = `peers:
  kernel-b:
    jwks: keys/kernel-b.jwks.json
    why: the build farm
    extensions: [compiler]
    topics: ["builds.*"]
    allow:
      - call: reports
        ops: [get]
        why: read finished reports
    deny:
      - call: reports
        ops: [get]
        resources: ["secret/*"]
`;

describe('peers:', () => {
  it('compiles each peer to grants with rule ids, a resolved JWKS path and defaults', () => {
    const policy = compile(BASE + PEERS);
    const peer = policy.peers.get('kernel-b')!;
    expect(peer).toMatchObject({ id: 'kernel-b', jwks: resolve('policies/keys/kernel-b.jwks.json'), extensions: ['compiler'], topics: ['builds.*'], revocationGraceMs: 5_000 });
    expect(peer.grants.map((g) => [g.effect, g.action, g.to, g.ops, g.resources, g.rule])).toEqual([
      ['allow', 'call', 'reports', ['get'], ['*'], 'policies/inline.yaml:20:9'],
      ['deny', 'call', 'reports', ['get'], ['secret/*'], 'policies/inline.yaml:24:9'],
    ]);
    expect(Object.isFrozen(peer.grants)).toBe(true);
  });

  it('takes a JWKS inline', () => {
    const policy = compile(`${BASE}peers:\n  kernel-b:\n    jwks: { keys: [{ kty: OKP, crv: Ed25519, x: abc, kid: k1 }] }\n    why: x\n    extensions: [compiler]\n`);
    expect(policy.peers.get('kernel-b')!.jwks).toEqual({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1' }] });
    expect(policy.peers.get('kernel-b')!.topics).toEqual([]);
  });

  it('changes the hash when a peer\'s grants change, and leaves policies without peers as they were', () => {
    const base = compile(BASE + PEERS).hash;
    expect(compile(BASE + PEERS.replace('ops: [get]', 'ops: [get, put]')).hash).not.toBe(base);
    expect(compile(BASE + PEERS.replace('the build farm', 'the farm')).hash).not.toBe(base);
    const alone = BASE.replace('    allow:\n      - call: compiler\n        ops: [build]\n', '');
    expect(compile(alone).peers.size).toBe(0);
    expect(compile(alone).hash).toBe(compile(`${alone}peers: {}\n`).hash);
  });

  it('lets local rules name a peer\'s extension, and nothing else unknown', async () => {
    const error = await policyError(() => compile(BASE));
    expect(error.message).toContain('call target "compiler" is not an extension of this policy');
  });

  it('refuses a peer extension that shadows a local one, peer subscribe/delegate rules, and peer calls to unknown extensions', async () => {
    const text = `${BASE}peers:
  kernel-b:
    jwks: b.json
    why: x
    extensions: [compiler, reports]
    allow:
      - subscribe: "x.*"
      - call: reprots
  kernel-c:
    jwks: c.json
    why: y
    extensions: [compiler]
`;
    const error = await policyError(() => compile(text));
    const messages = error.problems.map((p) => `${p.line}:${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^17:.*"reports" is an extension of this policy/),
        expect.stringMatching(/may only "call" or "publish"/),
        expect.stringMatching(/call target "reprots".*did you mean "reports"/),
        expect.stringMatching(/^24:.*"compiler" is already reached through peer "kernel-b"/),
      ]),
    );
  });

  it('refuses unknown keys, bad kernel ids and a tiny grace', async () => {
    const id = await policyError(() => compile(`${BASE}peers:\n  Kernel_B:\n    jwks: b.json\n    why: x\n    extensions: [compiler]\n`));
    expect(id.message).toMatch(/lower-case/);
    const key = await policyError(() => compile(`${BASE}peers:\n  kernel-b:\n    jwks: b.json\n    why: x\n    extensions: [compiler]\n    alow: []\n`));
    expect(key.message).toMatch(/alow/);
    const grace = await policyError(() => compile(`${BASE}peers:\n  kernel-b:\n    jwks: b.json\n    why: x\n    extensions: [compiler]\n    revocationGraceMs: 5\n`));
    expect(grace.message).toMatch(/revocationGraceMs/);
  });

  it('is in the JSON Schema editors use', () => {
    const schema = policyJsonSchema() as { properties: Record<string, unknown> };
    expect(JSON.stringify(schema.properties.peers)).toContain('revocationGraceMs');
  });
});
