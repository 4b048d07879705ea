/**
 * File access: WASI exists only when a read-write path is granted, and then
 * only inside that path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmSandbox } from '../../../sandboxes/wasm/index.js';
import { envelope, RecordingPort, rejection, sandboxFor, tempDir } from '../../sandboxes/wasm/helpers.js';

describe('a plugin reading files', () => {
  let sandbox: WasmSandbox;
  const root = tempDir();
  const granted = path.join(root, 'granted');

  beforeAll(async () => {
    mkdirSync(granted);
    writeFileSync(path.join(granted, 'inside.txt'), 'granted content');
    writeFileSync(path.join(root, 'outside.txt'), 'secret');
    sandbox = sandboxFor('fsprobe', { host: { fs: [{ path: granted, mode: 'readwrite' }] } });
    await sandbox.start(new RecordingPort('fsprobe'));
  });
  afterAll(() => sandbox.stop());

  const read = (p: string) => sandbox.deliver(envelope('fsprobe', 'read', { path: p }), 2_000) as Promise<{ errno: number; text: string }>;

  it('reads inside its grant', async () => {
    expect(await read('inside.txt')).toEqual({ errno: 0, text: 'granted content' });
  });

  it.each(['../outside.txt', '../../../../etc/passwd', '/etc/passwd'])('cannot read %s outside its grant', async (p) => {
    const result = await read(p);
    expect(result.errno).not.toBe(0);
    expect(result.text).toBe('');
  });

  it('keeps serving after the attempts, and so does another plugin', async () => {
    expect(await read('inside.txt')).toEqual({ errno: 0, text: 'granted content' });
    const other = sandboxFor('wordcount');
    await other.start(new RecordingPort('wordcount'));
    expect(await other.deliver(envelope('wordcount', 'count', 'a b'), 2_000)).toEqual({ words: 2, chars: 3 });
    await other.stop();
  });

  it('without a read-write grant the plugin does not load at all', async () => {
    const noFs = sandboxFor('fsprobe');
    const error = await rejection(noFs.start(new RecordingPort('fsprobe')));
    expect(error).toMatchObject({ code: 'E_DENIED', facts: { import: 'wasi_snapshot_preview1.path_open' } });
  });

  it('a read-only grant is not mapped (documented gap), so WASI stays off', async () => {
    const readOnly = sandboxFor('fsprobe', { host: { fs: [{ path: granted, mode: 'read' }] } });
    expect((await rejection(readOnly.start(new RecordingPort('fsprobe')))).code).toBe('E_DENIED');
  });
});
