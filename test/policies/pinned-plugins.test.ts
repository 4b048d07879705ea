import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../policies/index.js';

describe('policies/default.yaml pins the plugins the build produces', () => {
  it('every wasm extension pins the sha256 of its built module (re-pin with npm run pin:plugins)', async () => {
    const policy = await loadPolicyFile('policies/default.yaml');
    const wasm = [...policy.extensions.values()].filter((extension) => extension.sandbox === 'wasm');
    expect(wasm.map((extension) => extension.id).sort()).toEqual(['pool', 'relay', 'summarize', 'wordcount']);
    for (const extension of wasm) {
      const actual = createHash('sha256').update(readFileSync(extension.module!)).digest('hex');
      expect(actual, `${extension.id}: rebuilt without re-pinning?`).toBe(extension.sha256);
    }
  });
});
