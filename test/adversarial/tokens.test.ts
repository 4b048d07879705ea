/**
 * Token attacks end to end: a real `ExtensionHost` booted from a policy file,
 * real SES worker extensions (`uppercase`, and `relay`, which presents whatever
 * `cap` it is handed over its own channel), host principals, policy reloads,
 * and key rotation on a key file with a controlled clock. Every attack asserts
 * the exact code and the record the audit file holds; no token string is ever
 * written to the audit file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtensionHost } from '../../cli/runtime/host.js';
import { Kernel, type Port } from '../../nanokernel/index.js';
import { readAudit, rejection, tempDir } from '../nanokernel/helpers.js';
import { probeSource, ROOT } from '../sandboxes/worker/helpers.js';

const UPPERCASE = path.join(ROOT, 'dist', 'examples', 'workers', 'uppercase', 'index.js');

/** `relay` calls whatever it is told to, presenting `cap` as its capability. */
const RELAY = probeSource(`
  const { to, op, resource, body, cap } = input;
  try { return { ok: true, value: await ctx.api.call(to, op, resource, body, cap === undefined ? undefined : { cap }) }; }
  catch (e) { return { ok: false, code: e && e.code, message: String(e && e.message) }; }
`);

type Relayed = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function policy(dir: string, boss: 'full' | 'narrowed' | 'removed'): string {
  const bossRules = {
    full: ['      - call: relay', '      - call: uppercase', '        ops: [upper]', '      - delegate: relay', '      - delegate: helper'],
    narrowed: ['      - call: relay', '      - delegate: relay', '      - delegate: helper'],
    removed: [],
  }[boss];
  return [
    'version: 1',
    'extensions:',
    '  uppercase:',
    '    sandbox: worker',
    `    module: ${UPPERCASE}`,
    '    why: upper-cases text',
    '  relay:',
    '    sandbox: worker',
    `    module: ${path.join(dir, 'relay.js')}`,
    '    why: presents the capability it is handed',
    '  helper:',
    '    sandbox: host',
    '    why: an in-process helper that receives delegated tokens',
    '  mallory:',
    '    sandbox: host',
    '    why: an in-process principal that steals tokens',
    ...(boss === 'removed' ? [] : ['  boss:', '    sandbox: host', '    why: the operator', '    allow:', ...bossRules]),
    '',
  ].join('\n');
}

describe('token attacks through a real host and real worker channels', () => {
  let dir: string;
  let policyFile: string;
  let auditFile: string;
  let host: ExtensionHost;
  let boss: Port;
  let helper: Port;
  let mallory: Port;
  const issued: string[] = [];

  const relay = (cap: string | undefined): Promise<Relayed> =>
    boss.call('relay', 'probe', '', { to: 'uppercase', op: 'upper', resource: '', body: { text: 'hi' }, cap }) as Promise<Relayed>;
  const audit = () => readAudit(auditFile);
  /** The last denial recorded for `actor`. */
  const lastDenial = (actor: string) => audit().filter((r) => r.actor === actor && r.verdict === 'deny').at(-1);

  beforeAll(async () => {
    dir = tempDir('nk-tokens-');
    policyFile = path.join(dir, 'policy.yaml');
    auditFile = path.join(dir, 'audit.log');
    writeFileSync(path.join(dir, 'relay.js'), RELAY);
    writeFileSync(policyFile, policy(dir, 'full'));
    host = await ExtensionHost.start({ policyFile, auditFile, auditSync: true, logger: pino({ level: 'silent' }) });
    boss = await host.principal('boss');
    helper = await host.principal('helper');
    mallory = await host.principal('mallory');
  });

  afterAll(async () => {
    await host.stop();
    const text = readFileSync(auditFile, 'utf8');
    for (const token of issued) expect(text.includes(token)).toBe(false);
  });

  it('positive control: a token delegated to relay works over relay\'s own channel', async () => {
    const cap = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'relay');
    issued.push(cap);
    expect(await relay(cap)).toEqual({ ok: true, value: 'HI' });
    expect(await relay(undefined)).toMatchObject({ ok: false, code: 'E_DENIED' });
    expect(audit().filter((r) => r.actor === 'relay' && r.action === 'call' && r.target === 'uppercase').map((r) => r.verdict)).toEqual(['allow', 'deny']);
  });

  it("a token of one extension presented over another's channel is refused E_TOKEN_INVALID (worker and host)", async () => {
    const forHelper = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'helper');
    issued.push(forHelper);
    expect(await helper.call('uppercase', 'upper', '', { text: 'ok' }, { cap: forHelper })).toBe('OK');
    // relay (a worker) presents helper's token
    expect(await relay(forHelper)).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID' });
    expect(lastDenial('relay')).toMatchObject({ action: 'call', target: 'uppercase', code: 'E_TOKEN_INVALID', why: expect.stringContaining('issued to "helper"') });
    // mallory (in-process) presents it
    expect((await rejection(mallory.call('uppercase', 'upper', '', { text: 'x' }, { cap: forHelper }))).code).toBe('E_TOKEN_INVALID');
    expect(lastDenial('mallory')).toMatchObject({ action: 'call', target: 'uppercase', code: 'E_TOKEN_INVALID' });
  });

  /** A real delegated token for relay, decoded so an attacker can edit its claims. */
  async function stolenClaims(): Promise<JWTPayload & { nk: { grants: unknown[] } }> {
    const cap = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'relay');
    issued.push(cap);
    return decodeJwt(cap) as JWTPayload & { nk: { grants: unknown[] } };
  }

  it('extra grants appended and re-signed with the attacker\'s own Ed25519 key are refused, with or without the kernel\'s kid', async () => {
    const claims = await stolenClaims();
    claims.nk.grants.push({ effect: 'allow', action: 'call', to: '*', ops: ['*'], resources: ['*'] });
    const kernelKid = host.kernel.jwks().keys[0]!.kid!;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const attackerJwk = await exportJWK(publicKey);
    const forged = {
      kernelKid: await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: kernelKid, typ: 'JWT' }).sign(privateKey),
      ownKid: await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'attacker', typ: 'JWT' }).sign(privateKey),
      embeddedJwk: await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', jwk: attackerJwk, typ: 'JWT' }).sign(privateKey),
    };
    issued.push(...Object.values(forged));
    expect(await relay(forged.kernelKid)).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID', message: expect.stringContaining('signature does not verify') });
    expect(lastDenial('relay')).toMatchObject({ code: 'E_TOKEN_INVALID', why: expect.stringContaining('signature does not verify') });
    expect(await relay(forged.ownKid)).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID', message: expect.stringContaining('key this kernel does not hold') });
    expect(lastDenial('relay')).toMatchObject({ code: 'E_TOKEN_INVALID', why: expect.stringContaining('key this kernel does not hold') });
    expect(await relay(forged.embeddedJwk)).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID' });
    expect(lastDenial('relay')).toMatchObject({ code: 'E_TOKEN_INVALID', target: 'uppercase' });
  });

  it('alg "none" and HS256 keyed with the public key are refused over a real worker channel', async () => {
    const claims = await stolenClaims();
    claims.nk.grants.push({ effect: 'allow', action: 'call', to: '*', ops: ['*'], resources: ['*'] });
    const jwk = host.kernel.jwks().keys[0]!;
    const none = new UnsecuredJWT(claims).encode();
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid!, typ: 'JWT' }).sign(new TextEncoder().encode(JSON.stringify(jwk)));
    const hs256x = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid!, typ: 'JWT' }).sign(Buffer.from(jwk.x!, 'base64url'));
    issued.push(none, hs256, hs256x);
    for (const token of [none, hs256, hs256x]) {
      expect(await relay(token)).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID' });
      expect(lastDenial('relay')).toMatchObject({ action: 'call', target: 'uppercase', code: 'E_TOKEN_INVALID', why: expect.stringMatching(/algorithm is not EdDSA|not a well-formed token|ERR_JWS_INVALID|ERR_JOSE_ALG_NOT_ALLOWED/) });
    }
    // The genuine token with a flipped signature byte, and truncated, for completeness.
    const real = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'relay');
    issued.push(real);
    const flipped = real.slice(0, -2) + (real.at(-2) === 'A' ? 'B' : 'A') + real.at(-1);
    expect(await relay(flipped)).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID' });
    expect(await relay(real.slice(0, real.lastIndexOf('.')))).toMatchObject({ ok: false, code: 'E_TOKEN_INVALID' });
    expect(await relay(real)).toEqual({ ok: true, value: 'HI' });
  });

  it('a delegated token is refused E_TOKEN_REVOKED after a policy reload narrows its parent, and the revoke is audited', async () => {
    const cap = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'relay');
    issued.push(cap);
    expect(await relay(cap)).toEqual({ ok: true, value: 'HI' });
    const oldJti = boss.tokenId;
    writeFileSync(policyFile, policy(dir, 'narrowed'));
    const diff = await host.reload();
    expect(diff?.changed.map((c) => c.id)).toEqual(['boss']);
    // Replay: the very string that worked a moment ago.
    expect(await relay(cap)).toMatchObject({ ok: false, code: 'E_TOKEN_REVOKED' });
    const records = audit();
    expect(records.find((r) => r.action === 'revoke' && r.token_jti === oldJti)).toMatchObject({ actor: 'kernel', detail: { reason: 'grants narrowed by policy reload' } });
    expect(records.some((r) => r.action === 'policy.reload')).toBe(true);
    expect(lastDenial('relay')).toMatchObject({ action: 'call', target: 'uppercase', code: 'E_TOKEN_REVOKED' });
    // And the boss itself now holds only the narrowed grants.
    expect(boss.tokenId).not.toBe(oldJti);
    expect((await rejection(boss.call('uppercase', 'upper', '', { text: 'x' }))).code).toBe('E_DENIED');
  });

  it('a delegated token is refused E_TOKEN_REVOKED once its parent is removed from the policy', async () => {
    writeFileSync(policyFile, policy(dir, 'full'));
    await host.reload();
    const cap = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'helper');
    issued.push(cap);
    expect(await helper.call('uppercase', 'upper', '', { text: 'a' }, { cap })).toBe('A');
    const parentJti = boss.tokenId;
    writeFileSync(policyFile, policy(dir, 'removed'));
    const diff = await host.reload();
    expect(diff?.removed).toEqual(['boss']);
    const refused = await rejection(helper.call('uppercase', 'upper', '', { text: 'a' }, { cap }));
    expect(refused.code).toBe('E_TOKEN_REVOKED');
    expect(refused.facts.revoked).toBe(parentJti);
    expect(audit().find((r) => r.action === 'revoke' && r.token_jti === parentJti)).toMatchObject({ detail: { reason: 'removed from the policy' } });
    expect(lastDenial('helper')).toMatchObject({ action: 'call', target: 'uppercase', code: 'E_TOKEN_REVOKED' });
  });
});

describe('revocation after a scheduled token renewal', () => {
  // A scheduled renewal leaves the old root token live (tasks may hold tokens delegated from it);
  // the host remembers it, and a reload that narrows or removes the extension revokes it too.
  it('a token delegated before a renewal is refused E_TOKEN_REVOKED once a reload narrows its parent', async () => {
    const dir = tempDir('nk-renew-');
    const policyFile = path.join(dir, 'policy.yaml');
    const auditFile = path.join(dir, 'audit.log');
    writeFileSync(path.join(dir, 'relay.js'), RELAY);
    writeFileSync(policyFile, policy(dir, 'full'));
    const host = await ExtensionHost.start({ policyFile, auditFile, auditSync: true, tokenTtlSeconds: 6, logger: pino({ level: 'silent' }) });
    try {
      const boss = await host.principal('boss');
      const helper = await host.principal('helper');
      const cap = await boss.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'] }], 600, 'helper');
      const first = boss.tokenId;
      await expect.poll(() => boss.tokenId, { timeout: 4_500, interval: 20 }).not.toBe(first); // renewed at ttl/2 = 3 s
      writeFileSync(policyFile, policy(dir, 'narrowed'));
      await host.reload();
      expect((await rejection(boss.call('uppercase', 'upper', '', { text: 'x' }))).code).toBe('E_DENIED');
      const refused = await rejection(helper.call('uppercase', 'upper', '', { text: 'x' }, { cap }));
      expect(refused.code).toBe('E_TOKEN_REVOKED');
    } finally {
      await host.stop();
    }
  });
});

describe('key rotation on a key file, with a controlled clock', () => {
  it('a token minted by a retired key verifies until its key expires, then is refused, and a restart keeps refusing it', async () => {
    const dir = tempDir('nk-rotate-');
    const keyFile = path.join(dir, 'keys.json');
    const auditFile = path.join(dir, 'audit.log');
    let now = Date.parse('2030-01-01T00:00:00Z');
    const clock = () => now;
    const quiet = pino({ level: 'silent' });
    const kernel = await Kernel.start({ keyFile, auditFile, auditSync: true, clock, logger: quiet });
    await kernel.register('store', await kernel.mintToken('store', []), (envelope) => envelope.op);
    const holder = await kernel.register('holder', await kernel.mintToken('holder', [], 7_200), () => undefined);
    const old = await kernel.mintToken('holder', [{ action: 'call', to: 'store' }], 60);
    const oldKid = kernel.jwks().keys[0]!.kid!;
    expect(await holder.call('store', 'get', '', null, { cap: old })).toBe('get');

    await kernel.rotateKeys(60);
    const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { kid: string; privateJwk?: unknown }[] };
    expect(stored.keys.find((k) => k.kid === oldKid)).not.toHaveProperty('privateJwk'); // the retired private key is gone from disk
    expect(await holder.call('store', 'get', '', null, { cap: old })).toBe('get'); // still valid: not yet expired

    now += 120_000; // past the token's exp and the retired key's validUntil
    const expired = await rejection(holder.call('store', 'get', '', null, { cap: old }));
    expect(expired.code).toBe('E_TOKEN_EXPIRED');
    await kernel.shutdown();
    const first = readAudit(auditFile);
    expect(first.find((r) => r.action === 'mint' && (r.detail as { rotated_to?: string } | undefined)?.rotated_to)).toBeTruthy();
    expect(first.filter((r) => r.actor === 'holder' && r.verdict === 'deny').at(-1)).toMatchObject({ code: 'E_TOKEN_EXPIRED', target: 'store' });

    // A restarted kernel on the same key file has no cache: the retired key is no longer held at all.
    const again = await Kernel.start({ keyFile, auditFile, auditSync: true, clock, logger: quiet });
    expect(again.jwks().keys.map((k) => k.kid)).not.toContain(oldKid);
    await again.register('store', await again.mintToken('store', []), (envelope) => envelope.op);
    const holder2 = await again.register('holder', await again.mintToken('holder', []), () => undefined);
    const refused = await rejection(holder2.call('store', 'get', '', null, { cap: old }));
    expect(refused.code).toBe('E_TOKEN_INVALID');
    expect(refused.message).toContain('key this kernel does not hold');
    await again.shutdown();
    const records = readAudit(auditFile);
    expect(records.filter((r) => r.actor === 'holder' && r.verdict === 'deny').at(-1)).toMatchObject({ code: 'E_TOKEN_INVALID', target: 'store', why: expect.stringContaining('key this kernel does not hold') });
    expect(readFileSync(auditFile, 'utf8')).not.toContain(old);
  });
});
