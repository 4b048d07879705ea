/**
 * The artifact store against its own directory being altered: corrupted and
 * missing blobs, planted symlinks (out of the store, and into it), and leftovers
 * of an interrupted put.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetReply, PutReply } from '../../../extensions/artifacts/protocol.js';
import { blobPath, sha, startStore, type StoreFixture } from './fixture.js';
import { cleanup, rejection, tempDir } from './harness.js';

let dir: string;
let outside: string;
let s: StoreFixture;

beforeAll(async () => {
  dir = tempDir('nk-artifacts-disk-');
  outside = path.join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET');
  s = await startStore(dir);
});
afterAll(async () => {
  await s?.harness.stop();
  cleanup(dir);
});

describe('artifacts: integrity', () => {
  it('detects a flipped byte on read (E_TARGET_CRASHED, reason corrupt) and a put of the same content repairs it', async () => {
    const { hash } = PutReply.parse(await s.call('put', 'integrity/a', { data: 'pristine content' }));
    const file = blobPath(s.storeDir, hash);
    const bytes = readFileSync(file);
    bytes[3] = bytes[3]! ^ 0x01;
    writeFileSync(file, bytes);
    for (const resource of ['integrity/a', `sha256:${hash}`]) {
      const error = await rejection(s.call('get', resource));
      expect(error).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { hash, reason: 'corrupt' } });
      expect(error.message).not.toContain('pristine');
    }
    expect(PutReply.parse(await s.call('put', 'integrity/b', { data: 'pristine content' }))).toMatchObject({ hash, created: true });
    expect(GetReply.parse(await s.call('get', 'integrity/a')).data).toBe('pristine content');
  });

  it('detects a truncated blob', async () => {
    const { hash } = PutReply.parse(await s.call('put', 'integrity/t', { data: 'will be truncated' }));
    writeFileSync(blobPath(s.storeDir, hash), '');
    expect(await rejection(s.call('get', 'integrity/t'))).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { reason: 'corrupt' } });
  });

  it('reports a ref whose blob file is gone as damage (blob-missing), on get and stat', async () => {
    const { hash } = PutReply.parse(await s.call('put', 'integrity/gone', { data: 'soon gone' }));
    rmSync(blobPath(s.storeDir, hash));
    for (const op of ['get', 'stat']) {
      expect(await rejection(s.call(op, 'integrity/gone'))).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { hash, reason: 'blob-missing' } });
    }
    expect(await rejection(s.call('get', `sha256:${hash}`))).toMatchObject({ code: 'E_NO_TARGET' });
  });
});

describe('artifacts: planted symlinks', () => {
  it('never serves a blob file that is a symlink out of the store (outside-store)', async () => {
    const hash = sha('a blob that was never put');
    mkdirSync(path.dirname(blobPath(s.storeDir, hash)), { recursive: true });
    symlinkSync(path.join(outside, 'secret.txt'), blobPath(s.storeDir, hash));
    for (const op of ['get', 'stat']) {
      const error = await rejection(s.call(op, `sha256:${hash}`));
      expect(error).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { hash, reason: 'outside-store' } });
      expect(JSON.stringify(error)).not.toContain('TOP SECRET');
    }
    expect(s.harness.logs.some((line) => line.ext === 'artifacts' && JSON.stringify(line).includes('host-denied'))).toBe(true);
  });

  it('refuses to write through a fan-out directory symlinked out of the store, and leaves no temp file', async () => {
    const content = 'content whose fan-out dir is a trap';
    const hash = sha(content);
    const fan = path.dirname(blobPath(s.storeDir, hash));
    rmSync(fan, { recursive: true, force: true });
    symlinkSync(outside, fan);
    const error = await rejection(s.call('put', 'trap/x', { data: content }));
    expect(error).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { hash, reason: 'outside-store' } });
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readdirSync(path.join(s.storeDir, 'tmp'))).toEqual([]);
    expect((await rejection(s.call('get', 'trap/x'))).code).toBe('E_NO_TARGET');
    rmSync(fan);
  });

  it('catches a symlink to another blob inside the store by its hash', async () => {
    const a = PutReply.parse(await s.call('put', 'inside/a', { data: 'blob A' }));
    const fake = sha('blob B');
    mkdirSync(path.dirname(blobPath(s.storeDir, fake)), { recursive: true });
    symlinkSync(blobPath(s.storeDir, a.hash), blobPath(s.storeDir, fake));
    expect(await rejection(s.call('get', `sha256:${fake}`))).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { reason: 'corrupt' } });
    expect(GetReply.parse(await s.call('get', 'inside/a')).data).toBe('blob A');
  });
});

describe('artifacts: atomic writes', () => {
  it('leaves no temp file after many puts', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.call('put', `many/${i % 5}`, { data: `payload ${i}` })));
    expect(readdirSync(path.join(s.storeDir, 'tmp'))).toEqual([]);
    for (let i = 0; i < 20; i++) expect(existsSync(blobPath(s.storeDir, sha(`payload ${i}`)))).toBe(true);
  });
});
