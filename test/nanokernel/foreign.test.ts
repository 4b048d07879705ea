import { SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { Grant } from '../../capabilities/index.js';
import { ENVELOPE_VERSION, type Envelope, type Kernel } from '../../nanokernel/index.js';
import { readAudit, rejection, startKernel } from './helpers.js';

const bound = [Grant.parse({ action: 'call', to: 'echo', ops: ['say'], rule: 'b.yaml:9:9' }), Grant.parse({ action: 'publish', to: 'news.*', rule: 'b.yaml:11:9' })];

/** Kernel a (the caller's) and kernel b (the target's), b trusting a within `bound`. */
async function kernels(graceMs = 60_000, clock = () => Date.now()) {
  const a = await startKernel({ id: 'a', clock });
  const b = await startKernel({ id: 'b', clock });
  b.peers.trust('a', { jwks: a.jwks(), grants: bound, graceMs });
  await b.peers.applyRevocations(await a.peers.signRevocationList());
  const seen: Envelope[] = [];
  await b.register('echo', await b.mintToken('echo', []), (env) => {
    seen.push(env);
    return { echoed: env.body, from: env.from };
  });
  return { a, b, seen };
}

let counter = 0;
function envelope(token: string, over: Partial<Envelope> = {}): Envelope {
  counter++;
  return { v: ENVELOPE_VERSION, id: `env-${counter}`, kind: 'call', from: 'client', to: 'echo', op: 'say', resource: '', ts: Date.now(), trace_id: `trace-${counter}`, span_id: `span-${counter}`, deadline: Date.now() + 2_000, cap: token, body: { n: counter }, ...over };
}

async function closeAll(...ks: Kernel[]) {
  for (const k of ks) await k.shutdown();
}

describe('calls from another kernel', () => {
  it('delivers a call both the token and the peer grants allow, as <sub>@<kernel>, in the caller\'s trace', async () => {
    const { a, b, seen } = await kernels();
    const token = await a.mintToken('client', [{ action: 'call', to: 'echo' }]);
    const env = envelope(token);
    expect(await b.peers.accept(env)).toEqual({ echoed: env.body, from: 'client@a' });
    expect(seen[0]).toMatchObject({ trace_id: env.trace_id, causation_id: env.id, from: 'client@a' });
    expect(seen[0]!.cap).toBeUndefined();
    await closeAll(a, b);
    const record = readAudit(b.audit.file).find((r) => r.action === 'call')!;
    expect(record).toMatchObject({ kernel: 'b', actor: 'client@a', verdict: 'allow', target: 'echo', op: 'say', trace_id: env.trace_id, causation_id: env.id });
    expect(JSON.stringify(readAudit(b.audit.file))).not.toContain(token);
  });

  it('refuses what the peer grants do not allow, even when the token does, and records it', async () => {
    const { a, b, seen } = await kernels();
    const token = await a.mintToken('client', [{ action: 'call', to: 'echo' }]);
    const env = envelope(token, { op: 'secret' });
    const error = await rejection(b.peers.accept(env));
    expect(error.code).toBe('E_DENIED');
    expect(error.message).toContain('peers.a');
    expect(seen).toHaveLength(0);
    await closeAll(a, b);
    expect(readAudit(b.audit.file).find((r) => r.verdict === 'deny')).toMatchObject({ actor: 'client@a', target: 'echo', op: 'secret', code: 'E_DENIED', trace_id: env.trace_id, envelope_id: env.id });
  });

  it('refuses what the token does not allow, even when the peer grants do', async () => {
    const { a, b, seen } = await kernels();
    const token = await a.mintToken('client', [{ action: 'call', to: 'echo', ops: ['other'] }]);
    expect((await rejection(b.peers.accept(envelope(token)))).code).toBe('E_DENIED');
    expect(seen).toHaveLength(0);
    await closeAll(a, b);
  });

  it('refuses a token signed by a key the peer never published, an untrusted kernel, a missing token, and someone else\'s token', async () => {
    const { a, b, seen } = await kernels();
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const claims = { nk: { grants: [{ action: 'call', to: 'echo' }], chain: [], depth: 0 } };
    const forge = (iss: string) => new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: a.jwks().keys[0]!.kid! }).setIssuer(iss).setSubject('client').setAudience('nanokernel').setIssuedAt().setExpirationTime('1h').setJti(`forged-${iss}`).sign(privateKey);
    expect((await rejection(b.peers.accept(envelope(await forge('a'))))).code).toBe('E_TOKEN_INVALID');
    const evil = await rejection(b.peers.accept(envelope(await forge('evil'))));
    expect(evil.code).toBe('E_TOKEN_INVALID');
    expect(evil.message).toContain('does not trust');
    const none = envelope('');
    delete none.cap;
    expect((await rejection(b.peers.accept(none))).code).toBe('E_TOKEN_INVALID');
    const token = await a.mintToken('client', [{ action: 'call', to: 'echo' }]);
    expect((await rejection(b.peers.accept(envelope(token, { from: 'mallory' })))).code).toBe('E_TOKEN_INVALID');
    expect((await rejection(b.peers.accept({ ...envelope(token), kind: 'reply' }))).code).toBe('E_BAD_ENVELOPE');
    expect((await rejection(b.peers.accept({ nonsense: true }))).code).toBe('E_BAD_ENVELOPE');
    expect(seen).toHaveLength(0);
    await closeAll(a, b);
    const denials = readAudit(b.audit.file).filter((r) => r.verdict === 'deny');
    expect(denials.map((r) => r.actor)).toEqual(['client@a', 'client@evil', 'client@unknown', 'mallory@a']);
  });

  it('applies the issuer\'s signed revocations to the token and everything delegated from it', async () => {
    const { a, b } = await kernels();
    const token = await a.mintToken('client', [{ action: 'call', to: 'echo' }, { action: 'delegate', to: 'helper' }]);
    const parentPort = await a.register('client', token, () => undefined);
    const child = await parentPort.delegate([{ action: 'call', to: 'echo' }], 60, 'helper');
    expect(await b.peers.accept(envelope(child, { from: 'helper' }))).toBeTruthy();
    a.revokeToken(a.tokenId('client')!, 'test');
    expect(await b.peers.applyRevocations(await a.peers.signRevocationList())).toBe(1);
    expect((await rejection(b.peers.accept(envelope(token)))).code).toBe('E_TOKEN_REVOKED');
    expect((await rejection(b.peers.accept(envelope(child, { from: 'helper' })))).code).toBe('E_TOKEN_REVOKED');
    // A list signed by another kernel is not applied.
    const c = await startKernel({ id: 'a' });
    expect((await rejection(b.peers.applyRevocations(await c.peers.signRevocationList()))).code).toBe('E_TOKEN_INVALID');
    await closeAll(a, b, c);
    expect(readAudit(b.audit.file).find((r) => r.action === 'revoke')).toMatchObject({ token_jti: a.tokenId('client') ?? expect.any(String), detail: { issuer: 'a' } });
  });

  it('fails closed when the issuer\'s revocations are older than the grace, and a replayed old list refreshes nothing', async () => {
    let now = Date.now();
    const { a, b } = await kernels(1_000, () => now);
    const token = await a.mintToken('client', [{ action: 'call', to: 'echo' }]);
    const old = await a.peers.signRevocationList();
    expect(await b.peers.accept(envelope(token))).toBeTruthy();
    now += 1_500;
    const stale = await rejection(b.peers.accept(envelope(token)));
    expect(stale.code).toBe('E_TOKEN_INVALID');
    expect(stale.message).toContain('revocations cannot be checked');
    await b.peers.applyRevocations(old);
    expect((await rejection(b.peers.accept(envelope(token)))).code).toBe('E_TOKEN_INVALID');
    await b.peers.applyRevocations(await a.peers.signRevocationList());
    expect(await b.peers.accept(envelope(token))).toBeTruthy();
    await closeAll(a, b);
  });

  it('refuses all tokens of a kernel whose revocations were never heard', async () => {
    const a = await startKernel({ id: 'a' });
    const b = await startKernel({ id: 'b' });
    b.peers.trust('a', { jwks: a.jwks(), grants: bound, graceMs: 60_000 });
    await b.register('echo', await b.mintToken('echo', []), () => 'hi');
    const error = await rejection(b.peers.accept(envelope(await a.mintToken('client', [{ action: 'call', to: 'echo' }]))));
    expect(error.message).toContain('none has been received yet');
    await closeAll(a, b);
  });

  it('delivers a remote event to local subscribers within both bounds', async () => {
    const { a, b } = await kernels();
    const got: Envelope[] = [];
    const sub = await b.register('reader', await b.mintToken('reader', [{ action: 'subscribe', to: 'news.*' }]), (env) => void got.push(env));
    await sub.subscribe('news.*');
    const token = await a.mintToken('client', [{ action: 'publish', to: '*' }]);
    expect(await b.peers.accept(envelope(token, { kind: 'event', to: 'news.today', op: '', deadline: undefined }))).toBe(1);
    expect((await rejection(b.peers.accept(envelope(token, { kind: 'event', to: 'gossip.today', op: '', deadline: undefined })))).code).toBe('E_DENIED');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got.map((env) => [env.from, env.to])).toEqual([['client@a', 'news.today']]);
    await closeAll(a, b);
  });
});

describe('remote proxies', () => {
  it('hand the sender\'s token to the proxy handler only, and refuse relaying a foreign call through a proxy', async () => {
    const { a, b } = await kernels();
    const forwarded: Envelope[] = [];
    await b.registerRemoteProxy('far', (env) => {
      forwarded.push(env);
      return 'ok';
    });
    const token = await b.mintToken('client', [{ action: 'call', to: 'far' }, { action: 'call', to: 'echo' }]);
    const client = await b.register('client', token, () => undefined);
    expect(await client.call('far', 'x', '', null)).toBe('ok');
    expect(forwarded[0]!.cap).toBe(token);
    expect(await client.call('echo', 'say', '', null)).toMatchObject({ from: 'client' });
    b.peers.trust('a', { jwks: a.jwks(), grants: [Grant.parse({ action: 'call', to: '*' })], graceMs: 60_000 });
    const foreign = await a.mintToken('client', [{ action: 'call', to: '*' }]);
    expect((await rejection(b.peers.accept(envelope(foreign, { to: 'far' })))).code).toBe('E_NO_TARGET');
    expect(forwarded).toHaveLength(1);
    await closeAll(a, b);
  });
});
