/**
 * The artifact store across restarts: refs rebuilt from disk, an interrupted
 * put leaving nothing under its hash, gc of unreferenced blobs by age, planted
 * ref files ignored, a publish the policy does not grant (refused and audited,
 * the put still stored), and a bad `data:` failing the start.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GcReply, GetReply, ListReply, PutReply, StatReply } from '../../../extensions/artifacts/protocol.js';
import { artifactsEntry, blobPath, sha, startStore, type StoreFixture } from './fixture.js';
import { cleanup, rejection, startHost, tempDir } from './harness.js';

const dirs: string[] = [];
const running: StoreFixture[] = [];
const fresh = (): string => {
  const dir = tempDir('nk-artifacts-life-');
  dirs.push(dir);
  return dir;
};
const start = async (dir: string, options?: Parameters<typeof startStore>[1]) => {
  const store = await startStore(dir, options);
  running.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((store) => store.harness.stop()));
  for (const dir of dirs.splice(0)) cleanup(dir);
});

describe('artifacts: restart', () => {
  it('rebuilds the refs index from disk', async () => {
    const dir = fresh();
    const first = await start(dir);
    await first.call('put', 'keep/a', { data: 'alpha', contentType: 'text/plain' });
    await first.call('put', 'keep/b', { data: 'beta' });
    await first.call('tag', 'keep/c', { hash: sha('alpha') });
    await first.call('untag', 'keep/b');
    await first.harness.stop();
    running.splice(0);
    const second = await start(dir);
    expect(ListReply.parse(await second.call('list', 'keep/')).items).toEqual([
      { ref: 'keep/a', hash: sha('alpha'), size: 5 },
      { ref: 'keep/c', hash: sha('alpha'), size: 5 },
    ]);
    expect(GetReply.parse(await second.call('get', 'keep/a'))).toMatchObject({ data: 'alpha', contentType: 'text/plain' });
    expect(StatReply.parse(await second.call('stat', `sha256:${sha('beta')}`)).refs).toEqual([]);
  });

  it('drops the temp file of an interrupted put at start: nothing is stored under its hash', async () => {
    const dir = fresh();
    const first = await start(dir);
    await first.call('put', 'x/a', { data: 'unrelated' });
    await first.harness.stop();
    running.splice(0);
    const half = 'half of a blob that never got renamed';
    writeFileSync(path.join(first.storeDir, 'tmp', '3f9e0c1a-interrupted.tmp'), half);
    const second = await start(dir);
    expect(readdirSync(path.join(second.storeDir, 'tmp'))).toEqual([]);
    expect(existsSync(blobPath(second.storeDir, sha(half)))).toBe(false);
    expect((await rejection(second.call('get', `sha256:${sha(half)}`))).code).toBe('E_NO_TARGET');
    expect(GetReply.parse(await second.call('get', 'x/a')).data).toBe('unrelated');
  });

  it('skips planted or damaged ref files when rebuilding, and says so in the log', async () => {
    const dir = fresh();
    const first = await start(dir);
    await first.call('put', 'good/one', { data: 'one' });
    await first.harness.stop();
    running.splice(0);
    const refs = path.join(first.storeDir, 'refs');
    writeFileSync(path.join(refs, 'not-json.json'), '{oops');
    // A well-formed record under a name that is not sha256(ref): planted, not trusted.
    writeFileSync(path.join(refs, `${sha('something else')}.json`), JSON.stringify({ ref: 'evil/ref', hash: sha('one'), size: 3 }));
    writeFileSync(path.join(refs, `${sha('../escape')}.json`), JSON.stringify({ ref: '../escape', hash: sha('one'), size: 3 }));
    const second = await start(dir);
    expect(ListReply.parse(await second.call('list', '')).items.map((item) => item.ref)).toEqual(['good/one']);
    expect(second.harness.logs.some((line) => line.ext === 'artifacts' && String(line.msg).startsWith('ref files skipped'))).toBe(true);
  });
});

describe('artifacts: gc', () => {
  it('deletes only unreferenced blobs at least olderThanMs old', async () => {
    const dir = fresh();
    const s = await start(dir);
    await s.call('put', 'gc/kept', { data: 'kept' });
    await s.call('put', 'gc/dropped', { data: 'dropped!' });
    await s.call('untag', 'gc/dropped');
    expect(GcReply.parse(await s.call('gc', '', { olderThanMs: 60_000 }))).toEqual({ deleted: 0, freedBytes: 0 });
    expect(existsSync(blobPath(s.storeDir, sha('dropped!')))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(GcReply.parse(await s.call('gc', '', { olderThanMs: 20 }))).toEqual({ deleted: 1, freedBytes: 8 });
    expect(existsSync(blobPath(s.storeDir, sha('dropped!')))).toBe(false);
    expect(GetReply.parse(await s.call('get', 'gc/kept')).data).toBe('kept');
    expect(GcReply.parse(await s.call('gc', '', {}))).toEqual({ deleted: 0, freedBytes: 0 });
  });

  it('never takes a blob from a put running at the same time', async () => {
    const dir = fresh();
    const s = await start(dir);
    const work = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? s.call('gc', '', { olderThanMs: 0 }) : s.call('put', `race/${i}`, { data: `race ${i}` })));
    await Promise.all(work);
    for (let i = 0; i < 30; i++) if (i % 3 !== 0) expect(GetReply.parse(await s.call('get', `race/${i}`)).data).toBe(`race ${i}`);
  });
});

describe('artifacts: policy', () => {
  it('a publish it is not granted is refused and audited; the put is still stored', async () => {
    const dir = fresh();
    const s = await start(dir, { publish: false });
    const reply = PutReply.parse(await s.call('put', 'quiet/a', { data: 'quiet' }));
    expect(reply.created).toBe(true);
    expect(s.events).toEqual([]);
    expect(s.harness.audit()).toContainEqual(expect.objectContaining({ actor: 'artifacts', action: 'publish', verdict: 'deny', target: 'artifacts.put', code: 'E_DENIED' }));
  });

  it('refuses to start with a bad data.maxBlobBytes or without an fs grant', async () => {
    const dir = fresh();
    const bad = await rejection(startHost(dir, { artifacts: artifactsEntry(dir, { data: { maxBlobBytes: 'big' } }) }, ['artifacts']));
    expect(bad.code).toBe('E_TARGET_CRASHED');
    expect(bad.message).toContain('maxBlobBytes');
    const noFs = { ...artifactsEntry(dir), host: { memoryMb: 64 } };
    const unGranted = await rejection(startHost(dir, { artifacts: noFs }, ['artifacts']));
    expect(unGranted.code).toBe('E_TARGET_CRASHED');
    expect(unGranted.message).toContain('artifacts.host.fs');
  });
});
