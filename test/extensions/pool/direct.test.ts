/**
 * The pool plugin in a real WasmSandbox, fed envelopes whose `ts` and `from`
 * the test chooses (the kernel stamps both in production; see kernel.test.ts).
 * Every reply is checked against the zod schemas of extensions/pool/protocol.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaimReply, Granted, LeaseReply, Queued, ReleaseReply, RenewReply, StatusEntry, StatusReply, SweepReply, BenchReply } from '../../../extensions/pool/protocol.js';
import { z } from 'zod';
import { Envelope } from '../../../nanokernel/envelope.js';
import { directPool, rejection, type DirectPool } from './harness.js';

const T0 = 1_700_000_000_000;
/** The protocol's StatusReply, plus the `mode` every entry carries. */
const Status = (reply: unknown) => {
  StatusReply.parse(reply);
  return z.object({ instruments: z.array(StatusEntry) }).parse(reply).instruments;
};

describe('pool (direct): lease, renew, release, status', () => {
  let pool: DirectPool;
  beforeEach(async () => {
    pool = await directPool({ slots: { wordcount: 2, relay: 3, solo: 1 }, modes: { relay: 'exclusive' }, leaseTtlMs: 60_000, ticketTtlMs: 1_000 });
  });
  afterEach(() => pool.stop());

  const lease = async (instrument: string, holder: string, from: string, ts: number, ttlMs = 1_000) => LeaseReply.parse(await pool.call('lease', instrument, { holder, ttlMs }, from, ts));
  const granted = async (instrument: string, holder: string, from: string, ts: number, ttlMs = 1_000) => Granted.parse(await lease(instrument, holder, from, ts, ttlMs));
  const status = async (ts: number, resource = '') => Status(await pool.call('status', resource, {}, 'ops', ts));

  it('grants a lease that expires ttlMs after the envelope ts, with an id naming the instrument', async () => {
    const a = await granted('wordcount', 'run-1/count', 'alice', T0, 500);
    expect(a).toEqual({ leaseId: expect.stringMatching(/^wordcount#/), instrument: 'wordcount', expiresAt: T0 + 500 });
    const b = await granted('wordcount', 'run-1/count', 'alice', T0 + 1, 500);
    expect(b.leaseId).not.toBe(a.leaseId);
    expect(await status(T0 + 2)).toEqual([
      { instrument: 'wordcount', slots: 2, leased: 2, waiting: 0, mode: 'shared' },
      { instrument: 'relay', slots: 1, leased: 0, waiting: 0, mode: 'exclusive' },
      { instrument: 'solo', slots: 1, leased: 0, waiting: 0, mode: 'shared' },
    ]);
    expect(await status(T0 + 2, 'relay')).toEqual([{ instrument: 'relay', slots: 1, leased: 0, waiting: 0, mode: 'exclusive' }]);
    expect(pool.port.attempts).toEqual([]);
  });

  it('cuts a ttl longer than data.leaseTtlMs to it (for leases and renewals)', async () => {
    const a = await granted('wordcount', 'h', 'alice', T0, 86_400_000);
    expect(a.expiresAt).toBe(T0 + 60_000);
    const renewed = RenewReply.parse(await pool.call('renew', 'wordcount', { leaseId: a.leaseId, ttlMs: 10_000_000 }, 'alice', T0 + 10));
    expect(renewed.expiresAt).toBe(T0 + 10 + 60_000);
  });

  it('renew moves expiresAt to ts + ttlMs; release frees the slot once', async () => {
    const a = await granted('solo', 'h', 'alice', T0, 100);
    const renewed = RenewReply.parse(await pool.call('renew', 'solo', { leaseId: a.leaseId, ttlMs: 300 }, 'alice', T0 + 90));
    expect(renewed).toEqual({ leaseId: a.leaseId, instrument: 'solo', expiresAt: T0 + 390 });
    // still held at T0 + 200, when the original lease would have expired
    expect(Queued.parse(await lease('solo', 'x', 'bob', T0 + 200))).toEqual({ queued: expect.stringMatching(/^solo#q/), position: 1 });
    expect(ReleaseReply.parse(await pool.call('release', 'solo', { leaseId: a.leaseId }, 'alice', T0 + 210))).toEqual({ released: true });
    expect(ReleaseReply.parse(await pool.call('release', '', { leaseId: a.leaseId }, 'alice', T0 + 211))).toEqual({ released: false });
    expect((await status(T0 + 212, 'solo'))[0]).toMatchObject({ leased: 0, waiting: 1 });
  });

  it('only the caller that took a lease may renew or release it (E_DENIED), and the lease survives', async () => {
    const a = await granted('wordcount', 'h', 'alice', T0);
    const renew = await rejection(pool.call('renew', 'wordcount', { leaseId: a.leaseId, ttlMs: 100 }, 'mallory', T0 + 1));
    expect(renew).toMatchObject({ code: 'E_DENIED', facts: { from: 'mallory', leaseId: a.leaseId, reason: 'not-holder', plugin: 'pool' } });
    const release = await rejection(pool.call('release', 'wordcount', { leaseId: a.leaseId }, 'mallory', T0 + 2));
    expect(release).toMatchObject({ code: 'E_DENIED', facts: { reason: 'not-holder' } });
    expect((await status(T0 + 3, 'wordcount'))[0]!.leased).toBe(1);
    expect(RenewReply.parse(await pool.call('renew', '', { leaseId: a.leaseId, ttlMs: 50 }, 'alice', T0 + 4)).expiresAt).toBe(T0 + 54);
  });

  it('renewing an expired lease fails with E_NO_TARGET (reason "expired") and frees its slot', async () => {
    const a = await granted('solo', 'h', 'alice', T0, 100);
    const err = await rejection(pool.call('renew', 'solo', { leaseId: a.leaseId, ttlMs: 100 }, 'alice', T0 + 100));
    expect(err).toMatchObject({ code: 'E_NO_TARGET', facts: { leaseId: a.leaseId, reason: 'expired', expiredAt: T0 + 100 } });
    const again = await rejection(pool.call('renew', 'solo', { leaseId: a.leaseId, ttlMs: 100 }, 'alice', T0 + 101));
    expect(again).toMatchObject({ code: 'E_NO_TARGET', facts: { reason: 'not-found' } });
    expect(Granted.parse(await lease('solo', 'h2', 'bob', T0 + 102)).instrument).toBe('solo');
  });

  it('releasing an expired lease answers released: false (its ttl already gave the slot back)', async () => {
    const a = await granted('solo', 'h', 'alice', T0, 100);
    expect(ReleaseReply.parse(await pool.call('release', 'solo', { leaseId: a.leaseId }, 'alice', T0 + 150))).toEqual({ released: false });
    expect(SweepReply.parse(await pool.call('sweep', '', {}, 'stale', T0 + 151))).toEqual({ expired: 1, abandoned: 0 });
  });

  it('an expired lease stops counting against capacity at its expiresAt, without a sweep', async () => {
    await granted('solo', 'h', 'alice', T0, 100);
    const bob = Queued.parse(await lease('solo', 'h', 'bob', T0 + 99));
    const carol = Queued.parse(await lease('solo', 'x', 'carol', T0 + 99));
    // at T0 + 100 alice's lease is gone; the slot is reserved for bob, the head of the queue
    expect(ClaimReply.parse(await pool.call('claim', 'solo', { ticket: carol.queued }, 'carol', T0 + 100))).toEqual({ queued: carol.queued, position: 2 });
    expect(Granted.parse(await pool.call('claim', 'solo', { ticket: bob.queued }, 'bob', T0 + 101))).toMatchObject({ instrument: 'solo', expiresAt: T0 + 101 + 1_000 });
  });

  it('the clock never moves back: a ts older than one already seen counts as the newest', async () => {
    const a = await granted('wordcount', 'h', 'alice', T0 + 10_000, 100);
    const renewed = RenewReply.parse(await pool.call('renew', 'wordcount', { leaseId: a.leaseId, ttlMs: 100 }, 'alice', T0));
    expect(renewed.expiresAt).toBe(T0 + 10_100);
    const b = await granted('wordcount', 'h', 'bob', T0 + 5, 100);
    expect(b.expiresAt).toBe(T0 + 10_100);
  });
});

describe('pool (direct): capacity, FIFO queue, exclusive mode', () => {
  let pool: DirectPool;
  beforeEach(async () => {
    pool = await directPool({ slots: { wordcount: 2, relay: 3 }, modes: { relay: 'exclusive', wordcount: 'shared' }, ticketTtlMs: 1_000 });
  });
  afterEach(() => pool.stop());

  const lease = async (instrument: string, from: string, ts: number) => LeaseReply.parse(await pool.call('lease', instrument, { holder: `${from}-task`, ttlMs: 10_000 }, from, ts));
  const claim = async (instrument: string, ticket: string, from: string, ts: number) => ClaimReply.parse(await pool.call('claim', instrument, { ticket }, from, ts));
  const release = async (leaseId: string, from: string, ts: number) => ReleaseReply.parse(await pool.call('release', 'wordcount', { leaseId }, from, ts));

  it('three holders on two slots: the third queues, gets the freed slot, and no newcomer can jump it', async () => {
    const a = Granted.parse(await lease('wordcount', 'alice', T0));
    Granted.parse(await lease('wordcount', 'bob', T0 + 1));
    const c = Queued.parse(await lease('wordcount', 'carol', T0 + 2));
    expect(c.position).toBe(1);
    expect(await claim('wordcount', c.queued, 'carol', T0 + 3)).toEqual({ queued: c.queued, position: 1 });

    expect(await release(a.leaseId, 'alice', T0 + 4)).toEqual({ released: true });
    // the freed slot is reserved for carol: dave arrives first but queues behind her
    const d = Queued.parse(await lease('wordcount', 'dave', T0 + 5));
    expect(d.position).toBe(2);
    expect(await claim('wordcount', d.queued, 'dave', T0 + 6)).toEqual({ queued: d.queued, position: 2 });

    const got = Granted.parse(await claim('wordcount', c.queued, 'carol', T0 + 7));
    expect(got).toMatchObject({ instrument: 'wordcount', expiresAt: T0 + 7 + 10_000 });
    // the ticket is spent; dave is now the head, and waits for a slot
    expect(await rejection(claim('wordcount', c.queued, 'carol', T0 + 8))).toMatchObject({ code: 'E_NO_TARGET', facts: { reason: 'not-found' } });
    expect(await claim('wordcount', d.queued, 'dave', T0 + 9)).toEqual({ queued: d.queued, position: 1 });
    expect(await release(got.leaseId, 'carol', T0 + 10)).toEqual({ released: true });
    expect(Granted.parse(await claim('wordcount', d.queued, 'dave', T0 + 11)).instrument).toBe('wordcount');
  });

  it('with two slots free, the first two waiters may claim in either order', async () => {
    const a = Granted.parse(await lease('wordcount', 'alice', T0));
    const b = Granted.parse(await lease('wordcount', 'bob', T0));
    const c = Queued.parse(await lease('wordcount', 'carol', T0));
    const d = Queued.parse(await lease('wordcount', 'dave', T0));
    const e = Queued.parse(await lease('wordcount', 'erin', T0));
    expect([c.position, d.position, e.position]).toEqual([1, 2, 3]);
    await release(a.leaseId, 'alice', T0 + 1);
    await release(b.leaseId, 'bob', T0 + 1);
    expect(await claim('wordcount', e.queued, 'erin', T0 + 2)).toEqual({ queued: e.queued, position: 3 });
    Granted.parse(await claim('wordcount', d.queued, 'dave', T0 + 2));
    expect(await claim('wordcount', e.queued, 'erin', T0 + 3)).toEqual({ queued: e.queued, position: 2 });
    Granted.parse(await claim('wordcount', c.queued, 'carol', T0 + 3));
    expect(await claim('wordcount', e.queued, 'erin', T0 + 4)).toEqual({ queued: e.queued, position: 1 });
  });

  it('exclusive: one holder at a time whatever data.slots says', async () => {
    const a = Granted.parse(await lease('relay', 'alice', T0));
    const b = Queued.parse(await lease('relay', 'bob', T0 + 1));
    expect(b.position).toBe(1);
    expect(Status(await pool.call('status', 'relay', {}, 'ops', T0 + 2))).toEqual([{ instrument: 'relay', slots: 1, leased: 1, waiting: 1, mode: 'exclusive' }]);
    expect(ReleaseReply.parse(await pool.call('release', 'relay', { leaseId: a.leaseId }, 'alice', T0 + 3))).toEqual({ released: true });
    expect(Granted.parse(await claim('relay', b.queued, 'bob', T0 + 4)).instrument).toBe('relay');
  });

  it('a ticket not claimed within ticketTtlMs is abandoned; the next waiter moves up; sweep counts it once', async () => {
    Granted.parse(await lease('wordcount', 'alice', T0));
    Granted.parse(await lease('wordcount', 'bob', T0));
    const c = Queued.parse(await lease('wordcount', 'carol', T0));
    const d = Queued.parse(await lease('wordcount', 'dave', T0 + 500));
    // dave keeps claiming (each claim moves his deadline on); carol never does
    expect(await claim('wordcount', d.queued, 'dave', T0 + 999)).toEqual({ queued: d.queued, position: 2 });
    expect(await claim('wordcount', d.queued, 'dave', T0 + 1_000)).toEqual({ queued: d.queued, position: 1 });
    expect(await rejection(claim('wordcount', c.queued, 'carol', T0 + 1_001))).toMatchObject({ code: 'E_NO_TARGET', facts: { ticket: c.queued, reason: 'not-found' } });
    expect(await claim('wordcount', d.queued, 'dave', T0 + 1_998)).toEqual({ queued: d.queued, position: 1 });
    expect(SweepReply.parse(await pool.call('sweep', '', {}, 'stale', T0 + 2_000))).toEqual({ expired: 0, abandoned: 1 });
    expect(SweepReply.parse(await pool.call('sweep', '', {}, 'stale', T0 + 2_001))).toEqual({ expired: 0, abandoned: 0 });
    // dave claimed at T0 + 1998, so he is still queued at T0 + 2001
    expect((await pool.call('status', 'wordcount', {}, 'ops', T0 + 2_002)) as unknown).toEqual({ instruments: [{ instrument: 'wordcount', slots: 2, leased: 2, waiting: 1, mode: 'shared' }] });
  });

  it('sweep drops expired leases and abandoned tickets everywhere and returns the counts', async () => {
    for (const [i, who] of ['a', 'b'].entries()) Granted.parse(await pool.call('lease', 'wordcount', { holder: who, ttlMs: 100 + i }, who, T0));
    Granted.parse(await pool.call('lease', 'relay', { holder: 'r', ttlMs: 5_000 }, 'r', T0));
    Queued.parse(await lease('relay', 'q1', T0));
    Queued.parse(await lease('relay', 'q2', T0 + 10));
    expect(SweepReply.parse(await pool.call('sweep', '', {}, 'stale', T0 + 100))).toEqual({ expired: 1, abandoned: 0 });
    expect(SweepReply.parse(await pool.call('sweep', '', {}, 'stale', T0 + 1_010))).toEqual({ expired: 1, abandoned: 2 });
    expect(StatusReply.parse(await pool.call('status', '', {}, 'ops', T0 + 1_011)).instruments.map((i) => [i.leased, i.waiting])).toEqual([[0, 0], [1, 0]]);
    expect(SweepReply.parse(await pool.call('sweep', '', {}, 'stale', T0 + 5_000))).toEqual({ expired: 1, abandoned: 0 });
  });
});

describe('pool (direct): errors carry exact codes and facts', () => {
  let pool: DirectPool;
  beforeEach(async () => {
    pool = await directPool({ slots: { wordcount: 1 } });
  });
  afterEach(() => pool.stop());

  const code = async (op: string, resource: string, body: unknown, from = 'alice', ts = T0) => {
    const err = await rejection(pool.call(op, resource, body, from, ts));
    return { code: err.code, facts: err.facts };
  };

  it('unknown instrument → E_NO_TARGET naming it and the known ones', async () => {
    for (const op of ['lease', 'claim', 'status']) {
      const body = op === 'lease' ? { holder: 'h', ttlMs: 1 } : op === 'claim' ? { ticket: 't' } : {};
      expect(await code(op, 'oboe', body)).toMatchObject({ code: 'E_NO_TARGET', facts: { instrument: 'oboe', reason: 'unknown-instrument', known: ['wordcount'] } });
    }
  });

  it('lease and claim need the instrument as resource → E_BAD_ENVELOPE field "resource"', async () => {
    expect(await code('lease', '', { holder: 'h', ttlMs: 1 })).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'resource' } });
    expect(await code('claim', '', { ticket: 't' })).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'resource' } });
  });

  it('unknown op → E_NO_TARGET listing the ops', async () => {
    expect(await code('borrow', 'wordcount', {})).toMatchObject({ code: 'E_NO_TARGET', facts: { op: 'borrow', ops: ['lease', 'claim', 'renew', 'release', 'status', 'sweep', 'bench'] } });
  });

  it.each([
    ['lease', 'not an object', 'body'],
    ['lease', null, 'body'],
    ['lease', [], 'body'],
    ['lease', {}, 'holder'],
    ['lease', { holder: '', ttlMs: 1 }, 'holder'],
    ['lease', { holder: 'x'.repeat(129), ttlMs: 1 }, 'holder'],
    ['lease', { holder: 7, ttlMs: 1 }, 'holder'],
    ['lease', { holder: 'h' }, 'ttlMs'],
    ['lease', { holder: 'h', ttlMs: 0 }, 'ttlMs'],
    ['lease', { holder: 'h', ttlMs: 1.5 }, 'ttlMs'],
    ['lease', { holder: 'h', ttlMs: 86_400_001 }, 'ttlMs'],
    ['lease', { holder: 'h', ttlMs: '100' }, 'ttlMs'],
    ['lease', { holder: 'h', ttlMs: 1, extra: true }, 'extra'],
    ['claim', {}, 'ticket'],
    ['claim', { ticket: 5 }, 'ticket'],
    ['renew', { leaseId: 'x' }, 'ttlMs'],
    ['renew', { ttlMs: 5 }, 'leaseId'],
    ['release', {}, 'leaseId'],
    ['release', { leaseId: 'x', force: true }, 'force'],
    ['status', { verbose: true }, 'verbose'],
    ['sweep', 'now', 'body'],
    ['bench', { n: -1 }, 'n'],
    ['bench', { n: 1_000_001 }, 'n'],
  ])('%s with body %j → E_BAD_ENVELOPE, field %s', async (op, body, field) => {
    const resource = op === 'lease' || op === 'claim' ? 'wordcount' : '';
    expect(await code(op, resource, body)).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field, op } });
  });

  it('renew of an unknown lease → E_NO_TARGET "not-found"; release of one → released: false', async () => {
    expect(await code('renew', '', { leaseId: 'wordcount#zz-1', ttlMs: 5 })).toMatchObject({ code: 'E_NO_TARGET', facts: { leaseId: 'wordcount#zz-1', reason: 'not-found' } });
    expect(await pool.call('release', '', { leaseId: 'nonsense' }, 'alice', T0)).toEqual({ released: false });
  });

  it('a forged id (other spelling of a live sequence number) is not the lease', async () => {
    const a = Granted.parse(await pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0));
    const seq = a.leaseId.slice(a.leaseId.lastIndexOf('-') + 1);
    const prefix = a.leaseId.slice(0, a.leaseId.lastIndexOf('-') + 1);
    for (const forged of [`${prefix}0${seq}`, `relay${a.leaseId.slice('wordcount'.length)}`, `wordcount#0-${seq}`, `${a.leaseId}x`]) {
      expect(await pool.call('release', '', { leaseId: forged }, 'alice', T0 + 1)).toEqual({ released: false });
    }
    expect(await pool.call('release', '', { leaseId: a.leaseId }, 'alice', T0 + 2)).toEqual({ released: true });
  });

  it('renew/release naming another instrument as resource → E_BAD_ENVELOPE field "resource"', async () => {
    const a = Granted.parse(await pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0));
    expect(await code('release', 'relay', { leaseId: a.leaseId })).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'resource', instrument: 'wordcount' } });
    expect(await code('renew', 'relay', { leaseId: a.leaseId, ttlMs: 5 })).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'resource' } });
  });

  it("claiming someone else's ticket → E_DENIED, and the ticket stays theirs", async () => {
    Granted.parse(await pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0));
    const q = Queued.parse(await pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'bob', T0));
    expect(await code('claim', 'wordcount', { ticket: q.queued }, 'mallory')).toMatchObject({ code: 'E_DENIED', facts: { ticket: q.queued, from: 'mallory', reason: 'not-holder' } });
    expect(await pool.call('claim', 'wordcount', { ticket: q.queued }, 'bob', T0 + 1)).toEqual({ queued: q.queued, position: 1 });
  });

  it('a delivery without a numeric ts → E_BAD_ENVELOPE field "ts" from the plugin (it has no other clock)', async () => {
    // The kernel always stamps ts; hand the sandbox a delivery without one to prove the plugin refuses it.
    const { ts: _ts, ...rest } = Envelope.parse({ v: 1, id: 'raw-1', kind: 'call', from: 'alice', to: 'pool', op: 'status', resource: '', ts: T0, trace_id: 't', span_id: 's', body: {} });
    const err = await rejection(pool.sandbox.deliver(rest as unknown as Envelope, 5_000));
    expect(err).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'ts', plugin: 'pool' } });
    const stringTs = await rejection(pool.sandbox.deliver({ ...rest, ts: 'now' } as unknown as Envelope, 5_000));
    expect(stringTs).toMatchObject({ code: 'E_BAD_ENVELOPE', facts: { field: 'ts', plugin: 'pool' } });
  });
});

describe('pool (direct): configuration errors → E_POLICY_INVALID naming the key', () => {
  it.each([
    [{}, 'data.slots'],
    [{ slots: 'many' }, 'data.slots'],
    [{ slots: { wordcount: 0 } }, 'data.slots'],
    [{ slots: { wordcount: 2.5 } }, 'data.slots'],
    [{ slots: { wordcount: 10_001 } }, 'data.slots'],
    [{ slots: { 'word*': 1 } }, 'data.slots'],
    [{ slots: { wordcount: 1 }, modes: { wordcount: 'greedy' } }, 'data.modes'],
    [{ slots: { wordcount: 1 }, modes: { relay: 'exclusive' } }, 'data.modes'],
    [{ slots: { wordcount: 1 }, leaseTtlMs: 'soon' }, 'data.leaseTtlMs'],
    [{ slots: { wordcount: 1 }, ticketTtlMs: 0 }, 'data.ticketTtlMs'],
  ])('data %j → %s', async (data, key) => {
    const pool = await directPool(data);
    try {
      const err = await rejection(pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 5 }, 'alice', T0));
      expect(err).toMatchObject({ code: 'E_POLICY_INVALID', facts: { key } });
      // it keeps answering (and keeps refusing) rather than crashing
      expect(await rejection(pool.call('status', '', {}, 'alice', T0))).toMatchObject({ code: 'E_POLICY_INVALID' });
    } finally {
      await pool.stop();
    }
  });
});

describe('pool (direct): ids and bench', () => {
  it('lease ids are unique across instances: a rebuilt pool never honours an old id', async () => {
    const first = await directPool({ slots: { wordcount: 4 } });
    const second = await directPool({ slots: { wordcount: 4 } });
    try {
      const a = Granted.parse(await first.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0));
      const b = Granted.parse(await second.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0 + 1));
      expect(a.leaseId).not.toBe(b.leaseId);
      expect(await second.call('release', '', { leaseId: a.leaseId }, 'alice', T0 + 2)).toEqual({ released: false });
      const ids = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const g = Granted.parse(await first.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0 + 3));
        ids.add(g.leaseId);
        expect(await first.call('release', 'wordcount', { leaseId: g.leaseId }, 'alice', T0 + 3)).toEqual({ released: true });
      }
      expect(ids.size).toBe(200);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('bench performs n lease+release pairs on a private instrument and leaves the table as it was', async () => {
    const pool = await directPool({ slots: { wordcount: 1 } });
    try {
      const held = Granted.parse(await pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0));
      expect(BenchReply.parse(await pool.call('bench', '', { n: 0 }, 'bencher', T0))).toEqual({ pairs: 0 });
      expect(BenchReply.parse(await pool.call('bench', '', { n: 50_000 }, 'bencher', T0))).toEqual({ pairs: 50_000 });
      expect(await pool.call('status', '', {}, 'ops', T0)).toEqual({ instruments: [{ instrument: 'wordcount', slots: 1, leased: 1, waiting: 0, mode: 'shared' }] });
      expect(await pool.call('sweep', '', {}, 'ops', T0 + 2_000)).toEqual({ expired: 1, abandoned: 0 });
      // the next real lease id continues the same counter: bench ran the real lease path
      const next = Granted.parse(await pool.call('lease', 'wordcount', { holder: 'h', ttlMs: 1_000 }, 'alice', T0 + 2_001));
      expect(Number(next.leaseId.slice(next.leaseId.lastIndexOf('-') + 1))).toBe(Number(held.leaseId.slice(held.leaseId.lastIndexOf('-') + 1)) + 50_001);
    } finally {
      await pool.stop();
    }
  });
});
