import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyFile, verifyModuleHash } from '../../policies/index.js';
import { tempDir } from './helpers.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('verifyModuleHash', () => {
  it('returns the bytes of a module that matches its pin, and refuses one that does not', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const bytes = Buffer.from('\0asm\x01\0\0\0');
    tmp.write('plugin.wasm', bytes.toString('latin1'));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const policy = (pin: string) =>
      tmp.write('p.yaml', `version: 1\nextensions:\n  p:\n    sandbox: wasm\n    module: plugin.wasm\n    sha256: "${pin}"\n    why: test\n`);
    const good = (await loadPolicyFile(policy(sha))).extensions.get('p')!;
    expect(Buffer.from(await verifyModuleHash(good)).equals(bytes)).toBe(true);
    const bad = (await loadPolicyFile(policy('0'.repeat(64)))).extensions.get('p')!;
    await expect(verifyModuleHash(bad)).rejects.toMatchObject({ code: 'E_PLUGIN_HASH', facts: { actual: sha, expected: '0'.repeat(64) } });
  });

  it('a missing module is E_PLUGIN_HASH', async () => {
    const policy = await loadPolicyFile('policies/examples/plugins.json');
    await expect(verifyModuleHash(policy.extensions.get('shout')!)).rejects.toMatchObject({ code: 'E_PLUGIN_HASH' });
  });
});
