import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertImportsProvided,
  capMemory,
  loadWasmPlugin,
  readPluginPermissions,
  wasmLimitsFromGrants,
  WasmSandbox,
} from '../../../sandboxes/wasm/index.js';
import { envelope, pluginPath, pluginSha, RecordingPort, rejection, sandboxFor, tempDir } from './helpers.js';

const limits = wasmLimitsFromGrants({});

describe('loading a plugin', () => {
  it('loads a plugin whose sha256 matches the pinned one, and caches the compiled module by hash', async () => {
    const a = await loadWasmPlugin(pluginPath('wordcount'), pluginSha('wordcount'), limits);
    const copy = path.join(tempDir(), 'copy.wasm');
    copyFileSync(pluginPath('wordcount'), copy);
    const b = await loadWasmPlugin(copy, pluginSha('wordcount').toUpperCase(), limits);
    expect(a.sha256).toBe(pluginSha('wordcount'));
    expect(b.module).toBe(a.module);
  });

  it('refuses a file whose hash differs, naming both hashes', async () => {
    const tampered = path.join(tempDir(), 'wordcount.wasm');
    const bytes = readFileSync(pluginPath('wordcount'));
    writeFileSync(tampered, Buffer.concat([bytes, Buffer.from([0, 1, 0])])); // an extra empty custom section
    const pinned = pluginSha('wordcount');
    const error = await rejection(loadWasmPlugin(tampered, pinned, limits));
    expect(error.code).toBe('E_PLUGIN_HASH');
    expect(error.facts).toMatchObject({ expected: pinned, path: tampered });
    expect(error.facts.actual).toMatch(/^[0-9a-f]{64}$/);
    expect(error.message).toContain(pinned);
    expect(error.message).toContain(error.facts.actual as string);
  });

  it('refuses a malformed pin and a missing file with E_POLICY_INVALID', async () => {
    expect((await rejection(loadWasmPlugin(pluginPath('wordcount'), 'abc', limits))).code).toBe('E_POLICY_INVALID');
    expect((await rejection(loadWasmPlugin('/nonexistent/x.wasm', 'a'.repeat(64), limits))).code).toBe('E_POLICY_INVALID');
  });

  it('refuses a plugin that imports a host function we do not provide, naming it', async () => {
    const error = await rejection(loadWasmPlugin(pluginPath('unknown-import'), pluginSha('unknown-import'), limits));
    expect(error.code).toBe('E_DENIED');
    expect(error.facts).toMatchObject({ import: 'env.steal_secrets', reason: 'unknown-import' });
    expect(error.message).toContain('env.steal_secrets');
  });

  it('refuses WASI imports unless a read-write path is granted', async () => {
    const error = await rejection(loadWasmPlugin(pluginPath('wasi-exit'), pluginSha('wasi-exit'), limits));
    expect(error).toMatchObject({ code: 'E_DENIED', facts: { import: 'wasi_snapshot_preview1.proc_exit' } });
    expect(error.hint).toContain('host.fs');
    const withFs = wasmLimitsFromGrants({ fs: [{ path: tempDir(), mode: 'readwrite' }] });
    await expect(loadWasmPlugin(pluginPath('wasi-exit'), pluginSha('wasi-exit'), withFs)).resolves.toMatchObject({ sha256: pluginSha('wasi-exit') });
  });

  it('allows exactly our host functions and the Extism kernel', async () => {
    const { module } = await loadWasmPlugin(pluginPath('trespass'), pluginSha('trespass'), limits);
    expect(() => assertImportsProvided(module, { wasi: false })).not.toThrow();
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports).toContain('extism:host/user.nk_call');
    expect(imports).toContain('extism:host/env.http_request');
  });

  it('reads the nanokernel.permissions section the build embedded', async () => {
    const { permissions } = await loadWasmPlugin(pluginPath('relay'), pluginSha('relay'), limits);
    expect(permissions).toMatchObject({ version: 1, grants: [{ action: 'call', to: 'wordcount', ops: ['count'], why: 'relays text to be counted' }] });
    const { module } = await loadWasmPlugin(pluginPath('spin'), pluginSha('spin'), limits);
    expect(readPluginPermissions(module)).toBeNull();
  });

  it('refuses to start a plugin without the entry export', async () => {
    const sandbox = sandboxFor('wordcount', { entry: 'main' });
    const error = await rejection(sandbox.start(new RecordingPort('wordcount')));
    expect(error.code).toBe('E_NO_TARGET');
    expect(error.message).toContain('"main"');
  });

  it('refuses a port that belongs to another extension', async () => {
    const sandbox = new WasmSandbox({ id: 'wordcount', wasmPath: pluginPath('wordcount'), sha256: pluginSha('wordcount') });
    expect((await rejection(sandbox.start(new RecordingPort('other')))).code).toBe('E_POLICY_INVALID');
    expect((await rejection(sandbox.deliver(envelope('wordcount', 'count', 'x'), 100))).code).toBe('E_TARGET_CRASHED');
  });
});

describe('memory cap', () => {
  const bytes = readFileSync(pluginPath('wordcount'));

  it('rewrites the memory section so the maximum is the grant', async () => {
    const capped = capMemory(bytes, 32);
    expect(capped.maxPages).toBe(32);
    expect(capped.declaredMaxPages).toBeNull();
    expect(capMemory(capped.bytes, 64).declaredMaxPages).toBe(32);
    expect(capMemory(capped.bytes, 16).maxPages).toBe(16);
    await expect(WebAssembly.compile(capped.bytes)).resolves.toBeDefined();
  });

  it('refuses a module whose minimum memory exceeds the grant, and garbage', () => {
    expect(() => capMemory(bytes, 0)).toThrow(expect.objectContaining({ code: 'E_DENIED', facts: expect.objectContaining({ grantedPages: 0 }) }));
    expect(() => capMemory(new Uint8Array([1, 2, 3]), 16)).toThrow(expect.objectContaining({ code: 'E_DENIED' }));
    const truncated = bytes.subarray(0, 40);
    expect(() => capMemory(truncated, 16)).toThrow(expect.objectContaining({ code: 'E_DENIED' }));
  });
});

describe('limits from host grants', () => {
  it('grants nothing by default', () => {
    const none = wasmLimitsFromGrants({});
    expect(none).toMatchObject({ net: [], allowedPaths: {}, useWasi: false, maxPages: 64 * 16, maxCallsPerSecond: 1_000, timeoutMs: 5_000 });
  });

  it('maps read-write paths to WASI preopens and leaves read-only paths unmapped', () => {
    const dir = tempDir();
    const l = wasmLimitsFromGrants({ fs: [{ path: dir, mode: 'readwrite' }, { path: 'data', mode: 'read' }], memoryMb: 8 }, '/srv/policies');
    expect(l.allowedPaths).toEqual({ [dir]: dir });
    expect(l.unmappedReadOnly).toEqual(['/srv/policies/data']);
    expect(l.useWasi).toBe(true);
    expect(l.maxPages).toBe(128);
  });
});

describe('the nanokernel.permissions section', () => {
  const section = (payload: string) => {
    const name = Buffer.from('nanokernel.permissions');
    const body = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(payload)]);
    return new Uint8Array(Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, body.length]), body]));
  };

  it('parses a valid claim and refuses a malformed one with E_POLICY_INVALID', async () => {
    const good = await WebAssembly.compile(section('{"version":1,"grants":[{"action":"publish","to":"metrics.*","why":"reports counts"}]}'));
    expect(readPluginPermissions(good)).toMatchObject({ version: 1, grants: [{ action: 'publish', to: 'metrics.*', effect: 'allow' }], host: {} });
    for (const bad of ['{not json', '{"version":2}', '{"version":1,"grants":[{"action":"steal"}]}', '{"version":1,"extra":true}']) {
      const module = await WebAssembly.compile(section(bad));
      expect(() => readPluginPermissions(module)).toThrow(expect.objectContaining({ code: 'E_POLICY_INVALID' }));
    }
  });
});

describe('cold start', () => {
  it('loads, starts and answers the first delivery', async () => {
    const started = performance.now();
    const sandbox = sandboxFor('relay');
    await sandbox.start(new RecordingPort('relay', [{ action: 'call', to: 'wordcount' }], () => ({ words: 1, chars: 1 })));
    const ready = performance.now();
    expect(await sandbox.deliver(envelope('relay', 'relay', { body: 'x' }), 2_000)).toEqual({ words: 1, chars: 1 });
    console.log(`wasm: cold start ${(ready - started).toFixed(0)} ms (instance ${sandbox.startMs.toFixed(1)} ms), first delivery ${(performance.now() - ready).toFixed(1)} ms`);
    await sandbox.stop();
  });
});
