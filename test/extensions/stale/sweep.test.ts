/**
 * The stale manager in its worker sandbox, through the real kernel: what one
 * sweep asks of pool, dag and the real artifact store, the counts it reports
 * and publishes, and failures of targets recorded rather than fatal.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelError } from '../../../nanokernel/index.js';
import { SweepReport } from '../../../extensions/stale/protocol.js';
import { DagFailBody } from '../../../extensions/stale/dag-contract.js';
import { blobPath, sha } from '../artifacts/fixture.js';
import { cleanup, rejection, tempDir, until } from '../artifacts/harness.js';
import { startStale, type StaleFixture, type StaleOptions } from './fixture.js';

const dirs: string[] = [];
const running: StaleFixture[] = [];
const start = async (options?: StaleOptions) => {
  const dir = tempDir('nk-stale-');
  dirs.push(dir);
  const fixture = await startStale(dir, options);
  running.push(fixture);
  return fixture;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((fixture) => fixture.harness.stop()));
  for (const dir of dirs.splice(0)) cleanup(dir);
});

describe('stale: one sweep', () => {
  it('sweeps leases, fails only active runs idle past abandonedAfterMs, gcs blobs, and publishes the counts', async () => {
    const s = await start();
    const now = Date.now();
    s.answers.pool = () => ({ expired: 3, abandoned: 1 });
    s.answers.dag = (envelope) =>
      envelope.op === 'status'
        ? {
            runs: [
              { runId: 'r-stuck', state: 'running', updatedAt: now - 120_000 },
              { runId: 'r-queued', state: 'pending', updatedAt: now - 61_000 },
              { runId: 'r-fresh', state: 'running', updatedAt: now - 1_000 },
              { runId: 'r-done', state: 'succeeded', updatedAt: now - 999_999 },
              { runId: 'r-gone', state: 'failed', updatedAt: now - 999_999 },
            ],
          }
        : { failed: (envelope.body as { runId: string }).runId === 'r-stuck' };
    await s.observer.call('artifacts', 'put', 'keep/a', { data: 'kept' });
    await s.observer.call('artifacts', 'put', 'drop/b', { data: 'dropped' });
    await s.observer.call('artifacts', 'untag', 'drop/b', {});

    const report = SweepReport.parse(await s.sweep());
    expect(report).toMatchObject({ trigger: 'op', leases: { expired: 3, abandoned: 1 }, runs: { checked: 5, stuck: 2, failed: 1 }, blobs: { deleted: 1, freedBytes: 7 }, errors: [] });
    expect(existsSync(blobPath(s.storeDir, sha('dropped')))).toBe(false);
    expect(existsSync(blobPath(s.storeDir, sha('kept')))).toBe(true);

    expect(s.asked.pool.map((e) => [e.from, e.op, e.resource, e.body])).toEqual([['stale', 'sweep', '', {}]]);
    const fails = s.asked.dag.filter((e) => e.op === 'fail');
    expect(fails.map((e) => e.resource).sort()).toEqual(['r-queued', 'r-stuck']);
    for (const e of fails) {
      const body = DagFailBody.parse(e.body);
      expect(body.runId).toBe(e.resource);
      expect(body.reason).toMatch(/^abandoned: no progress for \d+ ms/);
    }
    expect(s.asked.dag.find((e) => e.op === 'status')?.body).toEqual({});

    const event = await until(() => s.events.find((e) => e.to === 'stale.sweep'));
    expect(event.from).toBe('stale');
    expect(SweepReport.parse(event.body)).toEqual(report);
  });

  it('passes retentionMs to artifacts.gc: young unreferenced blobs stay', async () => {
    const s = await start({ data: { intervalMs: 600_000, abandonedAfterMs: 60_000, retentionMs: 3_600_000 } });
    await s.observer.call('artifacts', 'put', 'young/b', { data: 'young' });
    await s.observer.call('artifacts', 'untag', 'young/b', {});
    expect(SweepReport.parse(await s.sweep()).blobs).toEqual({ deleted: 0, freedBytes: 0 });
    expect(existsSync(blobPath(s.storeDir, sha('young')))).toBe(true);
  });

  it('records targets that are not running (E_NO_TARGET) and keeps going', async () => {
    const s = await start({ artifacts: false, targets: false });
    const report = SweepReport.parse(await s.sweep());
    expect(report).toMatchObject({ leases: null, runs: null, blobs: null });
    expect(report.errors.map((e) => [e.target, e.op, e.code]).sort()).toEqual([
      ['artifacts', 'gc', 'E_NO_TARGET'],
      ['dag', 'status', 'E_NO_TARGET'],
      ['pool', 'sweep', 'E_NO_TARGET'],
    ]);
  });

  it('records a failing target, a failed fail, and a reply outside the contract', async () => {
    const s = await start();
    const now = Date.now();
    s.answers.pool = () => {
      throw new KernelError('E_OVERLOADED', 'pool busy');
    };
    s.answers.dag = (envelope) => {
      if (envelope.op === 'status') return { runs: [{ runId: 'a', state: 'running', updatedAt: now - 90_000 }, { runId: 'b', state: 'running', updatedAt: now - 90_000 }] };
      if ((envelope.body as { runId: string }).runId === 'a') throw new Error('dag exploded');
      return { failed: true };
    };
    const report = SweepReport.parse(await s.sweep());
    expect(report.leases).toBeNull();
    expect(report.runs).toEqual({ checked: 2, stuck: 2, failed: 1 });
    expect(report.errors).toContainEqual(expect.objectContaining({ target: 'pool', op: 'sweep', code: 'E_OVERLOADED' }));
    expect(report.errors).toContainEqual(expect.objectContaining({ target: 'dag', op: 'fail', runId: 'a' }));

    s.answers.pool = () => ({ expired: 'many' });
    s.answers.dag = () => ({ runs: [{ id: 1 }] });
    const bad = SweepReport.parse(await s.sweep());
    expect(bad).toMatchObject({ leases: null, runs: null });
    expect(bad.errors).toContainEqual(expect.objectContaining({ target: 'pool', op: 'sweep', code: 'E_BAD_ENVELOPE' }));
    expect(bad.errors).toContainEqual(expect.objectContaining({ target: 'dag', op: 'status', code: 'E_BAD_ENVELOPE' }));
  });

  it('fails at most maxFailsPerSweep runs in one sweep', async () => {
    const s = await start({ data: { intervalMs: 600_000, abandonedAfterMs: 0, retentionMs: 0, maxFailsPerSweep: 2 } });
    s.answers.dag = (envelope) =>
      envelope.op === 'status' ? { runs: ['a', 'b', 'c', 'd'].map((runId) => ({ runId, state: 'running', updatedAt: 0 })) } : { failed: true };
    expect(SweepReport.parse(await s.sweep()).runs).toEqual({ checked: 4, stuck: 4, failed: 2 });
    expect(s.asked.dag.filter((e) => e.op === 'fail')).toHaveLength(2);
  });

  it('refuses a bad sweep body with E_BAD_ENVELOPE', async () => {
    const s = await start({ artifacts: false });
    expect((await rejection(s.observer.call('stale', 'sweep', '', { now: 1 }))).code).toBe('E_BAD_ENVELOPE');
  });
});
