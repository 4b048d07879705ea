/**
 * Artifact store happy paths, through the real kernel and the real worker
 * sandbox: put / get / stat / list / tag / untag, what lands on disk, and the
 * `artifacts.put` event.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetReply, ListReply, PutEvent, PutReply, StatReply, TagReply, UntagReply } from '../../../extensions/artifacts/protocol.js';
import { blobPath, refPath, sha, startStore, type StoreFixture } from './fixture.js';
import { cleanup, rejection, tempDir, until } from './harness.js';

let dir: string;
let s: StoreFixture;

beforeAll(async () => {
  dir = tempDir('nk-artifacts-');
  s = await startStore(dir);
});
afterAll(async () => {
  await s?.harness.stop();
  cleanup(dir);
});

describe('artifacts: put and get', () => {
  it('stores a blob under its sha256, writes the ref file, leaves no temp file, and announces it', async () => {
    const reply = PutReply.parse(await s.call('put', 'reports/q3.txt', { data: 'quarter three', contentType: 'text/plain' }));
    const hash = sha('quarter three');
    expect(reply).toEqual({ ref: 'reports/q3.txt', hash, size: 13, created: true });
    expect(readFileSync(blobPath(s.storeDir, hash), 'utf8')).toBe('quarter three');
    expect(JSON.parse(readFileSync(refPath(s.storeDir, 'reports/q3.txt'), 'utf8'))).toEqual({ ref: 'reports/q3.txt', hash, size: 13, contentType: 'text/plain' });
    expect(readdirSync(path.join(s.storeDir, 'tmp'))).toEqual([]);
    const event = await until(() => s.events.find((e) => e.to === 'artifacts.put' && (e.body as { ref: string }).ref === 'reports/q3.txt'));
    expect(PutEvent.parse(event.body)).toEqual({ ref: 'reports/q3.txt', hash, size: 13 });
    expect(event.from).toBe('artifacts');
  });

  it('deduplicates: the same content under another ref writes no new blob', async () => {
    const reply = PutReply.parse(await s.call('put', 'reports/copy.txt', { data: 'quarter three' }));
    expect(reply.created).toBe(false);
    expect(StatReply.parse(await s.call('stat', 'reports/copy.txt'))).toEqual({ hash: sha('quarter three'), size: 13, refs: ['reports/copy.txt', 'reports/q3.txt'] });
  });

  it('reads by ref and by sha256:<hex>, in utf8 and base64, with the content type of the ref', async () => {
    const hash = sha('quarter three');
    expect(GetReply.parse(await s.call('get', 'reports/q3.txt'))).toEqual({ hash, size: 13, data: 'quarter three', encoding: 'utf8', contentType: 'text/plain' });
    const byHash = GetReply.parse(await s.call('get', `sha256:${hash}`, { encoding: 'base64' }));
    expect(byHash).toEqual({ hash, size: 13, data: Buffer.from('quarter three').toString('base64'), encoding: 'base64' });
  });

  it('round-trips binary data as base64 (every byte value, every padding length)', async () => {
    for (const length of [0, 1, 2, 3, 256]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) % 256);
      const data = Buffer.from(bytes).toString('base64');
      const put = PutReply.parse(await s.call('put', `bin/${length}`, { data, encoding: 'base64' }));
      expect(put).toMatchObject({ hash: sha(bytes), size: length });
      expect(readFileSync(blobPath(s.storeDir, put.hash)).equals(Buffer.from(bytes))).toBe(true);
      expect(GetReply.parse(await s.call('get', `bin/${length}`, { encoding: 'base64' })).data).toBe(data);
    }
  });

  it('moves a ref with put: the ref follows the latest content', async () => {
    await s.call('put', 'moving/x', { data: 'one' });
    await s.call('put', 'moving/x', { data: 'two' });
    expect(GetReply.parse(await s.call('get', 'moving/x')).data).toBe('two');
    expect(StatReply.parse(await s.call('stat', `sha256:${sha('one')}`)).refs).toEqual([]);
  });
});

describe('artifacts: list, tag, untag', () => {
  it('lists refs under the prefix the resource names, sorted, up to the limit', async () => {
    await s.call('put', 'lists/b', { data: 'b' });
    await s.call('put', 'lists/a', { data: 'a' });
    await s.call('put', 'listsx/c', { data: 'c' });
    expect(ListReply.parse(await s.call('list', 'lists/'))).toEqual({ items: [{ ref: 'lists/a', hash: sha('a'), size: 1 }, { ref: 'lists/b', hash: sha('b'), size: 1 }] });
    expect(ListReply.parse(await s.call('list', 'lists/', { limit: 1 })).items.map((i) => i.ref)).toEqual(['lists/a']);
    expect(ListReply.parse(await s.call('list', 'lists')).items.map((i) => i.ref)).toEqual(['lists/a', 'lists/b', 'listsx/c']);
    const all = ListReply.parse(await s.call('list', '')).items.map((i) => i.ref);
    expect(all).toContain('reports/q3.txt');
    expect(all).toEqual([...all].sort());
  });

  it('tags an existing blob under a new ref and untags it', async () => {
    const hash = sha('quarter three');
    expect(TagReply.parse(await s.call('tag', 'tags/q3', { hash }))).toEqual({ ref: 'tags/q3', hash });
    expect(GetReply.parse(await s.call('get', 'tags/q3')).data).toBe('quarter three');
    expect(existsSync(refPath(s.storeDir, 'tags/q3'))).toBe(true);
    expect(UntagReply.parse(await s.call('untag', 'tags/q3'))).toEqual({ ref: 'tags/q3', removed: true });
    expect(existsSync(refPath(s.storeDir, 'tags/q3'))).toBe(false);
    expect(UntagReply.parse(await s.call('untag', 'tags/q3'))).toEqual({ ref: 'tags/q3', removed: false });
    expect((await rejection(s.call('get', 'tags/q3'))).code).toBe('E_NO_TARGET');
    expect(existsSync(blobPath(s.storeDir, hash))).toBe(true);
  });

  it('names every ref file by the sha256 of its ref, never by the ref itself', () => {
    const names = readdirSync(path.join(s.storeDir, 'refs'));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
  });
});
