/**
 * The pool through the real kernel: `ExtensionHost` boots it in its WasmSandbox
 * from a policy in a temp dir; test endpoints get kernel-minted tokens. Here
 * `from` and `ts` are stamped by the kernel, so ownership is the caller's real
 * identity and expiry is real time (short ttls and real waiting).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimReply, Granted, LeaseReply, Queued, ReleaseReply, RenewReply, StatusReply, SweepReply } from '../../../extensions/pool/protocol.js';
import type { Port } from '../../../nanokernel/index.js';
import { rejection, sleep, startPoolHost, type PoolHost } from './harness.js';

const ALL_OPS = ['lease', 'claim', 'renew', 'release', 'status'];

describe('pool through the kernel', () => {
  let h: PoolHost;
  let alice: Port;
  let bob: Port;
  let carol: Port;
  let dave: Port;
  let stale: Port;
  let leaseOnly: Port;

  beforeAll(async () => {
    h = await startPoolHost({ slots: { wordcount: 2, relay: 3, quick: 1, sweepme: 1 }, modes: { relay: 'exclusive' }, ticketTtlMs: 30_000 });
    const user = [{ action: 'call' as const, to: 'pool', ops: ALL_OPS }];
    alice = await h.endpoint('alice', user);
    bob = await h.endpoint('bob', user);
    carol = await h.endpoint('carol', user);
    dave = await h.endpoint('dave', user);
    stale = await h.endpoint('stale', [{ action: 'call', to: 'pool', ops: ['sweep'] }]);
    leaseOnly = await h.endpoint('lease-only', [{ action: 'call', to: 'pool', ops: ['lease'], resources: ['wordcount'] }]);
  });
  afterAll(() => h?.stop());

  it('runs as a Wasm extension the policy started', () => {
    expect(h.host.extensions()).toEqual(['pool']);
  });

  it('lease → renew → status → release, with expiresAt from the kernel clock', async () => {
    const before = Date.now();
    const lease = Granted.parse(await alice.call('pool', 'lease', 'quick', { holder: 'run-1/n1', ttlMs: 10_000 }));
    const after = Date.now();
    expect(lease.instrument).toBe('quick');
    expect(lease.expiresAt).toBeGreaterThanOrEqual(before + 10_000);
    expect(lease.expiresAt).toBeLessThanOrEqual(after + 10_000);
    const renewed = RenewReply.parse(await alice.call('pool', 'renew', 'quick', { leaseId: lease.leaseId, ttlMs: 20_000 }));
    expect(renewed.expiresAt).toBeGreaterThanOrEqual(lease.expiresAt + 10_000 - 1);
    const status = StatusReply.parse(await alice.call('pool', 'status', '', {}));
    expect(status.instruments.find((i) => i.instrument === 'quick')).toEqual({ instrument: 'quick', slots: 1, leased: 1, waiting: 0 });
    expect(ReleaseReply.parse(await alice.call('pool', 'release', 'quick', { leaseId: lease.leaseId }))).toEqual({ released: true });
    expect(ReleaseReply.parse(await alice.call('pool', 'release', 'quick', { leaseId: lease.leaseId }))).toEqual({ released: false });
  });

  it('the kernel-stamped caller owns the lease: another extension cannot renew or release it (E_DENIED)', async () => {
    const lease = Granted.parse(await alice.call('pool', 'lease', 'quick', { holder: 'shared-label', ttlMs: 10_000 }));
    const err = await rejection(bob.call('pool', 'release', 'quick', { leaseId: lease.leaseId }));
    expect(err).toMatchObject({ code: 'E_DENIED', facts: { from: 'bob', leaseId: lease.leaseId, reason: 'not-holder', plugin: 'pool' } });
    expect(await rejection(bob.call('pool', 'renew', 'quick', { leaseId: lease.leaseId, ttlMs: 5 }))).toMatchObject({ code: 'E_DENIED' });
    expect(ReleaseReply.parse(await alice.call('pool', 'release', 'quick', { leaseId: lease.leaseId }))).toEqual({ released: true });
  });

  it('three holders on a 2-slot instrument: the third queues, is granted on release, and a newcomer cannot jump it', async () => {
    const a = Granted.parse(await alice.call('pool', 'lease', 'wordcount', { holder: 'a', ttlMs: 10_000 }));
    const b = Granted.parse(await bob.call('pool', 'lease', 'wordcount', { holder: 'b', ttlMs: 10_000 }));
    const c = Queued.parse(await carol.call('pool', 'lease', 'wordcount', { holder: 'c', ttlMs: 10_000 }));
    expect(c.position).toBe(1);
    expect(LeaseReply.parse(await carol.call('pool', 'claim', 'wordcount', { ticket: c.queued }))).toEqual({ queued: c.queued, position: 1 });
    expect(await alice.call('pool', 'release', 'wordcount', { leaseId: a.leaseId })).toEqual({ released: true });
    const d = Queued.parse(await dave.call('pool', 'lease', 'wordcount', { holder: 'd', ttlMs: 10_000 }));
    expect(d.position).toBe(2);
    const got = Granted.parse(await carol.call('pool', 'claim', 'wordcount', { ticket: c.queued }));
    expect(got.instrument).toBe('wordcount');
    expect(ClaimReply.parse(await dave.call('pool', 'claim', 'wordcount', { ticket: d.queued }))).toEqual({ queued: d.queued, position: 1 });
    // clean up for the other tests
    await bob.call('pool', 'release', 'wordcount', { leaseId: b.leaseId });
    const dl = Granted.parse(await dave.call('pool', 'claim', 'wordcount', { ticket: d.queued }));
    await dave.call('pool', 'release', 'wordcount', { leaseId: dl.leaseId });
    await carol.call('pool', 'release', 'wordcount', { leaseId: got.leaseId });
  });

  it('exclusive: relay (3 slots, exclusive) takes one holder at a time', async () => {
    const a = Granted.parse(await alice.call('pool', 'lease', 'relay', { holder: 'a', ttlMs: 10_000 }));
    const b = Queued.parse(await bob.call('pool', 'lease', 'relay', { holder: 'b', ttlMs: 10_000 }));
    const status = await alice.call('pool', 'status', 'relay', {});
    expect(status).toEqual({ instruments: [{ instrument: 'relay', slots: 1, leased: 1, waiting: 1, mode: 'exclusive' }] });
    await alice.call('pool', 'release', 'relay', { leaseId: a.leaseId });
    const got = Granted.parse(await bob.call('pool', 'claim', 'relay', { ticket: b.queued }));
    await bob.call('pool', 'release', 'relay', { leaseId: got.leaseId });
  });

  it('a lease expires by the kernel clock: after its ttl another caller gets the slot and sweep counts it', async () => {
    const short = Granted.parse(await alice.call('pool', 'lease', 'sweepme', { holder: 'a', ttlMs: 50 }));
    expect('queued' in LeaseReply.parse(await bob.call('pool', 'lease', 'sweepme', { holder: 'b', ttlMs: 10_000 }))).toBe(true);
    await sleep(80);
    expect(await rejection(alice.call('pool', 'renew', 'sweepme', { leaseId: short.leaseId, ttlMs: 50 }))).toMatchObject({ code: 'E_NO_TARGET', facts: { reason: 'expired' } });
    expect(SweepReply.parse(await stale.call('pool', 'sweep', '', {}))).toEqual({ expired: 1, abandoned: 0 });
    expect(SweepReply.parse(await stale.call('pool', 'sweep', '', {}))).toEqual({ expired: 0, abandoned: 0 });
  });

  it('errors keep their exact code through the kernel', async () => {
    expect(await rejection(alice.call('pool', 'lease', 'oboe', { holder: 'a', ttlMs: 5 }))).toMatchObject({ code: 'E_NO_TARGET', facts: { instrument: 'oboe', reason: 'unknown-instrument' } });
    expect(await rejection(alice.call('pool', 'lease', 'wordcount', { holder: 'a' }))).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'ttlMs' } });
    expect(await rejection(alice.call('pool', 'claim', 'wordcount', { ticket: 'wordcount#q0-1' }))).toMatchObject({ code: 'E_NO_TARGET', facts: { reason: 'not-found' } });
  });

  it('a caller without a grant for `pool sweep` is refused by the kernel (E_DENIED), and the audit log says so', async () => {
    const err = await rejection(leaseOnly.call('pool', 'sweep', '', {}));
    expect(err.code).toBe('E_DENIED');
    const denial = h.audit().filter((r) => r.actor === 'lease-only' && r.verdict === 'deny').at(-1);
    expect(denial).toMatchObject({ action: 'call', target: 'pool', op: 'sweep', code: 'E_DENIED' });
    // its grant is narrow: lease on wordcount only
    expect((await rejection(leaseOnly.call('pool', 'lease', 'relay', { holder: 'x', ttlMs: 5 }))).code).toBe('E_DENIED');
    const ok = Granted.parse(await leaseOnly.call('pool', 'lease', 'wordcount', { holder: 'x', ttlMs: 50 }));
    expect(ok.instrument).toBe('wordcount');
    const allowed = h.audit().filter((r) => r.actor === 'lease-only' && r.op === 'lease' && r.verdict === 'allow');
    expect(allowed).toHaveLength(1);
  });
});
