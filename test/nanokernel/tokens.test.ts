import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Grant } from '../../capabilities/index.js';
import { KeyRing, TokenService } from '../../nanokernel/index.js';
import { rejection, tempDir } from './helpers.js';

const grants = [Grant.parse({ action: 'call', to: 'artifacts', ops: ['get', 'put'], resources: ['out/*'] })];

async function service(clock = () => Date.now()) {
  const keys = await KeyRing.ephemeral(clock);
  return { keys, tokens: new TokenService(keys, { issuer: 'k1', audience: 'nanokernel', clock }) };
}

describe('minting and verifying', () => {
  it('mints a compact EdDSA JWT with the standard claims and the grants', async () => {
    const { tokens } = await service();
    const { token } = await tokens.mint('dag', grants, 60);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'k1', sub: 'dag', aud: 'nanokernel' });
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    const fresh = new TokenService((await service()).keys, { issuer: 'k1', audience: 'nanokernel' });
    expect((await rejection(fresh.verify(token))).code).toBe('E_TOKEN_INVALID');
  });

  it('verifies its own tokens and caches them', async () => {
    const { tokens } = await service();
    const { token } = await tokens.mint('dag', grants, 60);
    const verified = await tokens.verify(token, 'dag');
    expect(verified.subject).toBe('dag');
    expect(tokens.cached(token)).toBe(verified);
  });

  it('refuses a token signed by another key', async () => {
    const a = await service();
    const b = await service();
    const { token } = await b.tokens.mint('dag', grants, 60);
    const error = await rejection(a.tokens.verify(token));
    expect(error.code).toBe('E_TOKEN_INVALID');
  });

  it('refuses alg none', async () => {
    const { tokens } = await service();
    const token = new UnsecuredJWT({ nk: { grants, chain: [], depth: 0 } }).setIssuer('k1').setSubject('dag').setAudience('nanokernel').setIssuedAt().setExpirationTime('1h').setJti('x').encode();
    expect((await rejection(tokens.verify(token))).code).toBe('E_TOKEN_INVALID');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const { tokens, keys } = await service();
    const jwk = keys.jwks().keys[0]!;
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const token = await new SignJWT({ nk: { grants, chain: [], depth: 0 } })
      .setProtectedHeader({ alg: 'HS256', kid: jwk.kid! })
      .setIssuer('k1').setSubject('dag').setAudience('nanokernel').setIssuedAt().setExpirationTime('1h').setJti('x')
      .sign(secret);
    const error = await rejection(tokens.verify(token));
    expect(error.code).toBe('E_TOKEN_INVALID');
  });

  it('refuses an expired token with E_TOKEN_EXPIRED', async () => {
    let now = Date.now();
    const { tokens } = await service(() => now);
    const { token } = await tokens.mint('dag', grants, 10);
    now += 60_000;
    expect((await rejection(tokens.verify(token))).code).toBe('E_TOKEN_EXPIRED');
  });

  it('refuses a token that is not yet valid', async () => {
    let now = Date.now();
    const { tokens, keys } = await service(() => now);
    const { token } = await tokens.mint('dag', grants, 3600);
    now -= 600_000; // a verifier whose clock is ten minutes behind the issuer
    const verifier = new TokenService(keys, { issuer: 'k1', audience: 'nanokernel', clock: () => now });
    const error = await rejection(verifier.verify(token));
    expect(error.code).toBe('E_TOKEN_INVALID');
    expect(error.message).toContain('not yet valid');
  });

  it('refuses a wrong audience or issuer', async () => {
    const { keys, tokens } = await service();
    const { token } = await tokens.mint('dag', grants, 60);
    const otherAudience = new TokenService(keys, { issuer: 'k1', audience: 'elsewhere' });
    const audience = await rejection(otherAudience.verify(token));
    expect(audience.code).toBe('E_TOKEN_INVALID');
    expect(audience.message).toContain('"aud"');
    const otherIssuer = new TokenService(keys, { issuer: 'k2', audience: 'nanokernel' });
    expect((await rejection(otherIssuer.verify(token))).message).toContain('"iss"');
  });

  it('refuses a token presented by another subject', async () => {
    const { tokens } = await service();
    const { token } = await tokens.mint('dag', grants, 60);
    const error = await rejection(tokens.verify(token, 'wordcount'));
    expect(error.code).toBe('E_TOKEN_INVALID');
    expect(error.facts).toMatchObject({ subject: 'dag', presentedBy: 'wordcount' });
  });

  it('refuses a token with extra grants appended and re-signed by another key', async () => {
    const { tokens } = await service();
    const { token } = await tokens.mint('dag', grants, 60);
    const claims = decodeJwt(token);
    const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const header = decodeProtectedHeader(token) as { kid: string };
    const forged = await new SignJWT({ ...claims, nk: { grants: [...grants, { effect: 'allow', action: 'call', to: '*', ops: ['*'], resources: ['*'] }], chain: [], depth: 0 } })
      .setProtectedHeader({ alg: 'EdDSA', kid: header.kid })
      .sign(attacker.privateKey);
    expect((await rejection(tokens.verify(forged))).code).toBe('E_TOKEN_INVALID');
  });
});

describe('delegation and revocation', () => {
  it('mints a narrower child recording its parent and depth', async () => {
    const { tokens } = await service();
    const parent = await tokens.mint('dag', grants, 60);
    const child = await tokens.delegate(parent.verified, [{ action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/a.txt'] }], 600, 'wordcount');
    expect(child.verified.parent).toBe(parent.verified.jti);
    expect(child.verified.depth).toBe(1);
    expect(child.verified.expiresAtMs).toBeLessThanOrEqual(parent.verified.expiresAtMs);
    expect(await tokens.verify(child.token, 'wordcount')).toBe(child.verified);
  });

  it('refuses a child wider than its parent with E_NOT_SUBSET', async () => {
    const { tokens } = await service();
    const parent = await tokens.mint('dag', grants, 60);
    const error = await rejection(tokens.delegate(parent.verified, [{ action: 'call', to: 'artifacts', ops: ['gc'] }], 60, 'x'));
    expect(error.code).toBe('E_NOT_SUBSET');
  });

  it('caps the depth of a delegation chain', async () => {
    const keys = await KeyRing.ephemeral();
    const tokens = new TokenService(keys, { issuer: 'k1', audience: 'nanokernel', maxDepth: 2 });
    let current = (await tokens.mint('a', grants, 60)).verified;
    current = (await tokens.delegate(current, grants, 60, 'a')).verified;
    current = (await tokens.delegate(current, grants, 60, 'a')).verified;
    const error = await rejection(tokens.delegate(current, grants, 60, 'a'));
    expect(error.code).toBe('E_NOT_SUBSET');
    expect(error.message).toContain('depth 3 exceeds the limit of 2');
  });

  it('revoking a parent revokes every token derived from it, on the next use', async () => {
    const { tokens } = await service();
    const root = await tokens.mint('dag', grants, 60);
    const child = await tokens.delegate(root.verified, grants, 60, 'b');
    const grandchild = await tokens.delegate(child.verified, grants, 60, 'c');
    tokens.revoke(root.verified.jti);
    expect(() => tokens.check(grandchild.verified)).toThrowError(expect.objectContaining({ code: 'E_TOKEN_REVOKED' }) as Error);
    expect((await rejection(tokens.verify(child.token))).code).toBe('E_TOKEN_REVOKED');
  });
});

describe('key file', () => {
  it('is created with mode 0600 and reloads the same key', async () => {
    const file = path.join(tempDir(), 'keys', 'keys.json');
    const first = await KeyRing.open(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await KeyRing.open(file);
    expect(second.signing.kid).toBe(first.signing.kid);
  });

  it('refuses a key file readable by others and says how to fix it', async () => {
    const file = path.join(tempDir(), 'keys.json');
    await KeyRing.open(file);
    chmodSync(file, 0o644);
    const error = await rejection(KeyRing.open(file));
    expect(error.code).toBe('E_TOKEN_INVALID');
    expect(error.hint).toContain(`chmod 600 ${file}`);
  });

  it('refuses a file that is not a key file', async () => {
    const file = path.join(tempDir(), 'keys.json');
    writeFileSync(file, '{"hello":1}', { mode: 0o600 });
    expect((await rejection(KeyRing.open(file))).code).toBe('E_TOKEN_INVALID');
  });

  it('rotation keeps old tokens valid until they expire, then refuses them', async () => {
    let now = Date.now();
    const file = path.join(tempDir(), 'keys.json');
    const keys = await KeyRing.open(file, () => now);
    const tokens = new TokenService(keys, { issuer: 'k1', audience: 'nanokernel', clock: () => now });
    const old = await tokens.mint('dag', grants, 60);
    const oldKid = keys.signing.kid;
    await keys.rotate(60);
    expect(keys.signing.kid).not.toBe(oldKid);
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([keys.signing.kid, oldKid]);
    const verifier = new TokenService(keys, { issuer: 'k1', audience: 'nanokernel', clock: () => now });
    expect((await verifier.verify(old.token)).subject).toBe('dag');
    now += 120_000;
    const later = new TokenService(keys, { issuer: 'k1', audience: 'nanokernel', clock: () => now });
    const error = await rejection(later.verify(old.token));
    expect(['E_TOKEN_INVALID', 'E_TOKEN_EXPIRED']).toContain(error.code);
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([keys.signing.kid]);
  });
});
