/**
 * `nanokernel keys init|rotate|jwks`: an owner-only key file, rotation that
 * keeps the old public key for its grace period, a JWKS any JOSE library reads,
 * and a refusal (with the chmod to run) when the file is readable by others.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { expectNoStack, json, nk, tempDir } from './cli.js';

interface Jwks {
  readonly keys: { kid: string; kty: string; crv: string; alg: string; use: string; x: string; d?: string }[];
}

describe.concurrent('keys', () => {
  it('init creates .nanokernel/keys.json with mode 0600 in a 0700 directory; again, it keeps it', async () => {
    const dir = tempDir();
    const ran = await nk(['keys', 'init'], dir);
    expect(ran.code).toBe(0);
    const file = path.join(dir, '.nanokernel', 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const kid = /^created: \.nanokernel\/keys\.json \(signing key (\S+)\)$/m.exec(ran.stdout)?.[1];
    expect(kid).toBeDefined();
    const again = json<{ kid: string; created: boolean }>(await nk(['keys', 'init', '--json'], dir));
    expect(again).toEqual({ file: '.nanokernel/keys.json', kid, created: false });
  });

  it('rotate changes the signing kid; jwks then lists the new key and the old one', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'k.json');
    const first = json<{ kid: string; created: boolean }>(await nk(['keys', 'init', '--file', file, '--json'], dir));
    expect(first.created).toBe(true);
    const rotated = await nk(['keys', 'rotate', '--file', file, '--grace', '3600', '--json'], dir);
    expect(rotated.code).toBe(0);
    const result = json<{ kid: string; previous: string; graceSeconds: number }>(rotated);
    expect(result.previous).toBe(first.kid);
    expect(result.kid).not.toBe(first.kid);
    expect(result.graceSeconds).toBe(3600);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const jwks = await nk(['keys', 'jwks', '--file', file], dir);
    expect(jwks.code).toBe(0);
    const doc = json<Jwks>(jwks);
    expect(doc.keys.map((k) => k.kid).sort()).toEqual([first.kid, result.kid].sort());
    for (const key of doc.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key.d).toBeUndefined(); // public keys only
    }
    // A JOSE library accepts it as a key set.
    expect(() => createLocalJWKSet(doc as Parameters<typeof createLocalJWKSet>[0])).not.toThrow();
    expect(json<Jwks>(await nk(['keys', 'jwks', '--file', file, '--json'], dir)).keys).toHaveLength(2);
  });

  it('a key file readable by others (chmod 644): exit 1 with the chmod to run, for every subcommand and for run', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'k.json');
    expect((await nk(['keys', 'init', '--file', file], dir)).code).toBe(0);
    chmodSync(file, 0o644);
    for (const args of [['keys', 'jwks', '--file', file], ['keys', 'rotate', '--file', file], ['keys', 'init', '--file', file], ['run', '--keys', file, '--audit', path.join(dir, 'a.log')]]) {
      const ran = await nk(args, dir);
      expect(ran.code, args.join(' ')).toBe(1);
      expect(ran.stderr).toContain(`E_TOKEN_INVALID: key file ${file} is readable by other users (mode 644)`);
      expect(ran.stderr).toContain(`hint: run "chmod 600 ${file}"`);
      expectNoStack(ran);
    }
    const asJson = await nk(['keys', 'jwks', '--file', file, '--json'], dir);
    expect(json<{ error: { code: string; hint: string } }>(asJson).error).toMatchObject({ code: 'E_TOKEN_INVALID', hint: expect.stringContaining('chmod 600') });
  });

  it('rotate and jwks without a key file: exit 1, "keys init" first; nothing is created', async () => {
    const dir = tempDir();
    for (const sub of ['rotate', 'jwks']) {
      const ran = await nk(['keys', sub, '--file', 'none.json'], dir);
      expect(ran.code).toBe(1);
      expect(ran.stderr).toContain('E_TOKEN_INVALID: no key file at none.json');
      expect(ran.stderr).toContain('hint: run "nanokernel keys init" first');
      expectNoStack(ran);
    }
    expect(existsSync(path.join(dir, 'none.json'))).toBe(false);
  });

  it('usage errors exit 2: a bad --grace, an unknown subcommand', async () => {
    const dir = tempDir();
    await nk(['keys', 'init'], dir);
    const grace = await nk(['keys', 'rotate', '--grace', 'a while'], dir);
    expect(grace.code).toBe(2);
    expect(grace.stderr).toContain('--grace is a whole number of seconds');
    const unknown = await nk(['keys', 'burn'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown keys command "burn"');
  });
});
