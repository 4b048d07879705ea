/**
 * Every error path of the artifact store with its exact code, refs that try to
 * escape the store, and grants that mean what they say (the kernel refuses an
 * out-of-grant resource before the store sees it, and records the denial).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Port } from '../../../nanokernel/index.js';
import { sha, startStore, type StoreFixture } from './fixture.js';
import { cleanup, rejection, tempDir } from './harness.js';

let dir: string;
let s: StoreFixture;
let reporter: Port;

beforeAll(async () => {
  dir = tempDir('nk-artifacts-err-');
  s = await startStore(dir);
  reporter = await s.harness.endpoint('reporter', [{ action: 'call', to: 'artifacts', ops: ['put'], resources: ['reports/*'] }]);
  await s.call('put', 'ok/blob', { data: 'present' });
  await s.call('put', 'ok/binary', { data: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), encoding: 'base64' });
});
afterAll(async () => {
  await s?.harness.stop();
  cleanup(dir);
});

describe('artifacts: coded errors', () => {
  it.each([
    ['get', 'missing/ref', {}],
    ['stat', 'missing/ref', {}],
    ['get', `sha256:${sha('never stored')}`, {}],
    ['stat', `sha256:${sha('never stored')}`, {}],
    ['tag', 'new/ref', { hash: sha('never stored') }],
  ])('%s %s → E_NO_TARGET (not-found)', async (op, resource, body) => {
    const error = await rejection(s.call(op, resource, body));
    expect(error.code).toBe('E_NO_TARGET');
    expect(error.facts).toMatchObject({ reason: 'not-found' });
  });

  it.each([
    ['get', 'sha256:XYZ'],
    ['get', `sha256:${sha('x').toUpperCase()}`],
    ['put', `sha256:${sha('x')}`],
    ['tag', `sha256:${sha('x')}`],
    ['untag', `sha256:${sha('x')}`],
    ['put', ''],
    ['list', '../'],
    ['list', 'a//'],
  ])('%s on resource "%s" → E_BAD_ENVELOPE naming the resource', async (op, resource) => {
    const body = op === 'put' ? { data: 'x' } : op === 'tag' ? { hash: sha('present') } : {};
    const error = await rejection(s.call(op, resource, body));
    expect(error.code).toBe('E_BAD_ENVELOPE');
    expect(error.facts).toMatchObject({ field: 'resource' });
  });

  it('refuses a blob over data.maxBlobBytes with E_TOO_LARGE, in utf8 and base64, and stores nothing', async () => {
    const before = readdirSync(path.join(s.storeDir, 'blobs')).length;
    const utf8 = await rejection(s.call('put', 'big/utf8', { data: 'x'.repeat(65_537) }));
    expect(utf8).toMatchObject({ code: 'E_TOO_LARGE', facts: { size: 65_537, limit: 65_536 } });
    const multibyte = await rejection(s.call('put', 'big/utf8', { data: 'é'.repeat(40_000) }));
    expect(multibyte).toMatchObject({ code: 'E_TOO_LARGE', facts: { size: 80_000, limit: 65_536 } });
    const b64 = await rejection(s.call('put', 'big/b64', { data: Buffer.alloc(65_537).toString('base64'), encoding: 'base64' }));
    expect(b64).toMatchObject({ code: 'E_TOO_LARGE', facts: { size: 65_537, limit: 65_536 } });
    expect(readdirSync(path.join(s.storeDir, 'blobs')).length).toBe(before);
    expect((await rejection(s.call('get', 'big/utf8'))).code).toBe('E_NO_TARGET');
    await expect(s.call('put', 'big/exact', { data: 'x'.repeat(65_536) })).resolves.toMatchObject({ size: 65_536 });
  });

  it.each(['not base64!', 'abc', 'ab=c', 'YQ', '====', 'YQ==YQ=='])('refuses bad base64 %j with E_BAD_ENVELOPE (field data)', async (data) => {
    const error = await rejection(s.call('put', 'b64/bad', { data, encoding: 'base64' }));
    expect(error).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'data' } });
  });

  it('refuses utf8 reads of a blob that is not UTF-8 with E_BAD_ENVELOPE (field encoding)', async () => {
    expect(await rejection(s.call('get', 'ok/binary'))).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'encoding' } });
  });

  it.each([
    ['put', { data: 1 }],
    ['put', { data: 'x', extra: true }],
    ['put', { data: 'x', encoding: 'hex' }],
    ['get', { encoding: 'utf16' }],
    ['list', { limit: 0 }],
    ['tag', { hash: 'abc' }],
    ['gc', { olderThanMs: -1 }],
  ])('%s with body %j → E_BAD_ENVELOPE (schema)', async (op, body) => {
    expect((await rejection(s.call(op, 'ok/blob', body))).code).toBe('E_BAD_ENVELOPE');
  });

  it('answers an unknown op with E_NO_TARGET listing the ops', async () => {
    const error = await rejection(s.call('delete', 'ok/blob', {}));
    expect(error.code).toBe('E_NO_TARGET');
    expect(error.facts?.ops).toEqual(['put', 'get', 'stat', 'list', 'tag', 'untag', 'gc']);
  });
});

describe('artifacts: refs that try to escape', () => {
  const escapes = ['../x', '../../etc/passwd', 'a/../../x', '/etc/passwd', 'a//b', 'a/b/', '.hidden', 'a/./b', '..', '.', 'a\\..\\x', '%2e%2e/x', 'a/b\u0000', 'a b', 'ü/x', `${'a/'.repeat(32)}a`, 'x'.repeat(513)];
  it.each(escapes)('put / tag / get / untag on %j → E_BAD_ENVELOPE, nothing written', async (ref) => {
    for (const [op, body] of [['put', { data: 'escape' }], ['tag', { hash: sha('present') }], ['get', {}], ['untag', {}]] as const) {
      const error = await rejection(s.call(op, ref, body));
      expect(error.code).toBe('E_BAD_ENVELOPE');
    }
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['policy.yaml', 'store']));
    expect(readdirSync(dir).filter((name) => !name.startsWith('audit-') && name !== 'policy.yaml' && name !== 'store')).toEqual([]);
    expect(readdirSync(path.join(s.storeDir)).sort()).toEqual(['blobs', 'refs', 'tmp']);
  });
});

describe('artifacts: grants mean what they say', () => {
  it('lets a reports/* put through and refuses secrets/* in the kernel, with an audit record', async () => {
    await expect(reporter.call('artifacts', 'put', 'reports/ok.txt', { data: 'fine' })).resolves.toMatchObject({ ref: 'reports/ok.txt' });
    const denied = await rejection(reporter.call('artifacts', 'put', 'secrets/key', { data: 'nope' }));
    expect(denied.code).toBe('E_DENIED');
    const wrongOp = await rejection(reporter.call('artifacts', 'get', 'reports/ok.txt', {}));
    expect(wrongOp.code).toBe('E_DENIED');
    const records = s.harness.audit();
    expect(records).toContainEqual(expect.objectContaining({ actor: 'reporter', action: 'call', verdict: 'deny', target: 'artifacts', op: 'put', resource: 'secrets/key', code: 'E_DENIED' }));
    expect(records).toContainEqual(expect.objectContaining({ actor: 'reporter', action: 'call', verdict: 'deny', target: 'artifacts', op: 'get', resource: 'reports/ok.txt', code: 'E_DENIED' }));
    expect(records).toContainEqual(expect.objectContaining({ actor: 'reporter', action: 'call', verdict: 'allow', target: 'artifacts', op: 'put', resource: 'reports/ok.txt' }));
    expect((await rejection(s.call('get', 'secrets/key'))).code).toBe('E_NO_TARGET');
  });
});
