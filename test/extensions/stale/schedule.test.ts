/**
 * The stale manager over time and against its policy: timed sweeps every
 * intervalMs, a call it is not granted (refused by the kernel, recorded in the
 * sweep and in the audit file), nobody granted a call to it, and bad `data:`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SweepReport } from '../../../extensions/stale/protocol.js';
import { cleanup, rejection, startHost, tempDir, until } from '../artifacts/harness.js';
import { STALE_GRANTS, staleEntry, startStale, type StaleFixture, type StaleOptions } from './fixture.js';

const dirs: string[] = [];
const running: StaleFixture[] = [];
const fresh = () => {
  const dir = tempDir('nk-stale-');
  dirs.push(dir);
  return dir;
};
const start = async (options?: StaleOptions) => {
  const fixture = await startStale(fresh(), options);
  running.push(fixture);
  return fixture;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((fixture) => fixture.harness.stop()));
  for (const dir of dirs.splice(0)) cleanup(dir);
});

describe('stale: timed sweeps', () => {
  it('sweeps every intervalMs, one at a time, and publishes each', async () => {
    const s = await start({ data: { intervalMs: 150, abandonedAfterMs: 60_000, retentionMs: 0 } });
    s.answers.pool = () => ({ expired: 1, abandoned: 0 });
    const timed = await until(() => {
      const found = s.events.filter((e) => (e.body as { trigger?: string }).trigger === 'timer' && (e.body as { leases: unknown }).leases !== null);
      return found.length >= 2 ? found : undefined;
    }, 5_000);
    const [first, second] = timed.map((e) => SweepReport.parse(e.body));
    expect(first!.leases).toEqual({ expired: 1, abandoned: 0 });
    expect(second!.startedAt - first!.startedAt).toBeGreaterThanOrEqual(150);
    expect(s.asked.pool.length).toBeGreaterThanOrEqual(2);
  });
});

describe('stale: policy', () => {
  it('a call outside its grants is refused by the kernel, recorded in the sweep and in the audit file', async () => {
    const withoutGc = STALE_GRANTS.filter((grant) => grant.call !== 'artifacts');
    const s = await start({ allow: withoutGc });
    const report = SweepReport.parse(await s.sweep());
    expect(report.blobs).toBeNull();
    expect(report.errors).toEqual([expect.objectContaining({ target: 'artifacts', op: 'gc', code: 'E_DENIED' })]);
    expect(report.leases).toEqual({ expired: 0, abandoned: 0 });
    expect(s.harness.audit()).toContainEqual(expect.objectContaining({ actor: 'stale', action: 'call', verdict: 'deny', target: 'artifacts', op: 'gc', code: 'E_DENIED' }));
  });

  it('an extension not granted a call to stale cannot trigger a sweep', async () => {
    const s = await start({ artifacts: false });
    const stranger = await s.harness.endpoint('stranger', [{ action: 'call', to: 'pool' }]);
    expect((await rejection(stranger.call('stale', 'sweep', '', {}))).code).toBe('E_DENIED');
    expect(s.asked.pool).toEqual([]);
  });

  it.each([
    [{ abandonedAfterMs: 1 }, 'intervalMs'],
    [{ intervalMs: 1, abandonedAfterMs: 1 }, 'intervalMs'],
    [{ intervalMs: 100, abandonedAfterMs: 1, retentionMs: -5 }, 'retentionMs'],
    [{ intervalMs: 100, abandonedAfterMs: 1, typo: true }, 'typo'],
  ])('refuses to start with data %j, naming %s', async (data, field) => {
    const dir = fresh();
    const error = await rejection(startHost(dir, { stale: staleEntry(data, []) }, ['stale']));
    expect(error.code).toBe('E_TARGET_CRASHED');
    expect(error.message).toContain(field);
  });

  it('refuses to start without the clock grant', async () => {
    const dir = fresh();
    const entry = { ...staleEntry({ intervalMs: 100, abandonedAfterMs: 1 }, []), host: {} };
    const error = await rejection(startHost(dir, { stale: entry }, ['stale']));
    expect(error.message).toContain('host.clock');
  });
});
