/**
 * An extension revoking what it delegated (`port.revoke`): only tokens derived
 * from its own token, the whole subtree with it, every attempt audited, and
 * peers told (the same listeners as a kernel revocation).
 */
import { describe, expect, it } from 'vitest';
import type { Kernel } from '../../nanokernel/index.js';
import { readAudit, rejection, startKernel } from './helpers.js';

async function setup(kernel: Kernel) {
  await kernel.register('store', await kernel.mintToken('store', []), (env) => `${env.op}:${env.resource}`);
  const boss = await kernel.register('boss', await kernel.mintToken('boss', [{ action: 'call', to: 'store', ops: ['get'] }, { action: 'delegate', to: 'worker' }, { action: 'delegate', to: 'helper' }]), () => undefined);
  const worker = await kernel.register('worker', await kernel.mintToken('worker', [{ action: 'delegate', to: 'helper' }]), () => undefined);
  const helper = await kernel.register('helper', await kernel.mintToken('helper', []), () => undefined);
  const other = await kernel.register('other', await kernel.mintToken('other', [{ action: 'delegate', to: 'worker' }, { action: 'call', to: 'store' }]), () => undefined);
  return { boss, worker, helper, other };
}

describe('revoking a delegated token', () => {
  it('the delegator revokes it: the token and what was delegated from it stop working; audited; peers told', async () => {
    const kernel = await startKernel();
    const told: string[] = [];
    kernel.onRevoke((jti) => told.push(jti));
    const { boss, worker, helper } = await setup(kernel);
    const cap = await boss.delegate([{ action: 'call', to: 'store', ops: ['get'], resources: ['a'] }, { action: 'delegate', to: 'helper' }], 60, 'worker');
    const grandchild = await worker.delegate([{ action: 'call', to: 'store', ops: ['get'], resources: ['a'] }], 60, 'helper', { cap });
    expect(await worker.call('store', 'get', 'a', null, { cap })).toBe('get:a');
    expect(await helper.call('store', 'get', 'a', null, { cap: grandchild })).toBe('get:a');

    await boss.revoke(cap);
    expect((await rejection(worker.call('store', 'get', 'a', null, { cap }))).code).toBe('E_TOKEN_REVOKED');
    expect((await rejection(helper.call('store', 'get', 'a', null, { cap: grandchild }))).code).toBe('E_TOKEN_REVOKED');
    expect(await boss.call('store', 'get', 'x', null)).toBe('get:x'); // its own token is untouched
    await boss.revoke(cap); // again: already revoked, nothing to change (still recorded)
    await kernel.shutdown();

    const revokes = readAudit(kernel.audit.file).filter((r) => r.action === 'revoke');
    expect(revokes).toHaveLength(2);
    expect(revokes[0]).toMatchObject({ actor: 'boss', verdict: 'allow', target: 'worker' });
    expect(revokes[1]).toMatchObject({ actor: 'boss', verdict: 'allow', detail: { unchanged: 'E_TOKEN_REVOKED' } });
    expect(told).toEqual([revokes[0]!.token_jti]);
  });

  it('a token further down its own chain may be revoked by the root delegator', async () => {
    const kernel = await startKernel();
    const { boss, worker, helper } = await setup(kernel);
    const cap = await boss.delegate([{ action: 'call', to: 'store', ops: ['get'] }, { action: 'delegate', to: 'helper' }], 60, 'worker');
    const grandchild = await worker.delegate([{ action: 'call', to: 'store', ops: ['get'] }], 60, 'helper', { cap });
    await boss.revoke(grandchild);
    expect((await rejection(helper.call('store', 'get', 'a', null, { cap: grandchild }))).code).toBe('E_TOKEN_REVOKED');
    expect(await worker.call('store', 'get', 'a', null, { cap })).toBe('get:a');
    await kernel.shutdown();
  });

  it('anything else is refused and audited: another chain, its own token, its delegator’s token, a forgery', async () => {
    const kernel = await startKernel();
    const { boss, worker, other } = await setup(kernel);
    const bosses = await boss.delegate([{ action: 'call', to: 'store', ops: ['get'] }], 60, 'worker');
    const others = await other.delegate([{ action: 'call', to: 'store', ops: ['get'] }], 60, 'worker');
    const denied = await rejection(other.revoke(bosses));
    expect(denied.code).toBe('E_DENIED');
    expect(denied.hint).toContain('ask their delegator');
    // The holder of a delegated token cannot revoke it (it is not derived from the holder's own token), nor its delegator's.
    expect((await rejection(worker.revoke(bosses))).code).toBe('E_DENIED');
    expect((await rejection(worker.revoke(others))).code).toBe('E_DENIED');
    expect((await rejection(boss.revoke(await kernel.mintToken('boss', [])))).code).toBe('E_DENIED');
    const [header, payload] = bosses.split('.');
    expect((await rejection(boss.revoke(`${header}.${payload}.AAAA`))).code).toBe('E_TOKEN_INVALID');
    expect((await rejection(boss.revoke(''))).code).toBe('E_BAD_ENVELOPE');
    // Nothing was revoked by any of it.
    expect(await worker.call('store', 'get', 'a', null, { cap: bosses })).toBe('get:a');
    expect(await worker.call('store', 'get', 'a', null, { cap: others })).toBe('get:a');
    await kernel.shutdown();
    const refusals = readAudit(kernel.audit.file).filter((r) => r.action === 'revoke');
    expect(refusals.map((r) => `${r.actor}:${r.verdict}:${r.code}`)).toEqual(['other:deny:E_DENIED', 'worker:deny:E_DENIED', 'worker:deny:E_DENIED', 'boss:deny:E_DENIED', 'boss:deny:E_TOKEN_INVALID']);
  });

  it('an expired token is left as it is; the attempt is recorded', async () => {
    let now = Date.now();
    const kernel = await startKernel({ clock: () => now });
    const { boss } = await setup(kernel);
    const cap = await boss.delegate([{ action: 'call', to: 'store', ops: ['get'] }], 1, 'worker');
    now += 10_000;
    await boss.revoke(cap);
    await kernel.shutdown();
    expect(readAudit(kernel.audit.file).filter((r) => r.action === 'revoke')).toEqual([expect.objectContaining({ actor: 'boss', verdict: 'allow', detail: { unchanged: 'E_TOKEN_EXPIRED' } })]);
  });
});
