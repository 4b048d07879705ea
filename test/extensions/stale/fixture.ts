/**
 * The stale manager under test, with test-harness targets: in-process `pool`
 * and `dag` endpoints (tokens minted by the kernel, no grants: they only
 * answer) that record what they were asked and answer what the test set, the
 * real artifact store when asked for, and an `observer` that may call
 * `stale.sweep` and hears `stale.sweep` events.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Envelope, Port } from '../../../nanokernel/index.js';
import { artifactsEntry } from '../artifacts/fixture.js';
import { moduleOf, startHost, type Harness } from '../artifacts/harness.js';

export const STALE_GRANTS = [
  { call: 'pool', ops: ['sweep'], why: 'reclaim expired leases' },
  { call: 'dag', ops: ['status', 'fail'], why: 'fail abandoned runs' },
  { call: 'artifacts', ops: ['gc'], why: 'delete unreferenced blobs' },
  { publish: 'stale.sweep', why: 'report each sweep' },
];

export function staleEntry(data: Record<string, unknown>, allow: unknown[] = STALE_GRANTS) {
  return { sandbox: 'worker', module: moduleOf('stale'), why: 'stale manager under test', allow, host: { clock: true, timeoutMs: 10_000 }, data };
}

/** What a test target answers: a value, or a function of the envelope (may throw). */
export type Answer = (envelope: Envelope) => unknown;

export interface StaleFixture {
  readonly harness: Harness;
  readonly storeDir: string;
  readonly observer: Port;
  readonly events: Envelope[];
  /** Envelopes the test `pool` / `dag` received. */
  readonly asked: { pool: Envelope[]; dag: Envelope[] };
  /** What they answer; replace per test. */
  readonly answers: { pool: Answer; dag: Answer };
  sweep(): Promise<any>;
}

export interface StaleOptions {
  readonly data?: Record<string, unknown>;
  readonly allow?: unknown[];
  /** Run the real artifact store too (default true). */
  readonly artifacts?: boolean;
  /** Register the test `pool` and `dag` endpoints (default true). */
  readonly targets?: boolean;
}

export async function startStale(dir: string, options: StaleOptions = {}): Promise<StaleFixture> {
  const storeDir = path.join(dir, 'store');
  mkdirSync(storeDir, { recursive: true });
  const data = options.data ?? { intervalMs: 600_000, abandonedAfterMs: 60_000, retentionMs: 0 };
  const withArtifacts = options.artifacts ?? true;
  // pool and dag are in the policy (calls must name its extensions) as `host` principals with no
  // module; the host starts neither, and the test registers in-process endpoints under their names.
  const target = (why: string) => ({ sandbox: 'host', why, allow: [] });
  const extensions = { stale: staleEntry(data, options.allow), artifacts: artifactsEntry(storeDir), pool: target('test target for pool.sweep'), dag: target('test target for dag.status/fail') };
  const asked: StaleFixture['asked'] = { pool: [], dag: [] };
  const answers: StaleFixture['answers'] = { pool: () => ({ expired: 0, abandoned: 0 }), dag: () => ({ runs: [] }) };
  // Targets are registered right after the start; stale's first timed sweep is intervalMs later.
  const harness = await startHost(dir, extensions, withArtifacts ? ['artifacts', 'stale'] : ['stale']);
  if (options.targets ?? true) {
    for (const name of ['pool', 'dag'] as const) {
      await harness.endpoint(name, [], (envelope) => {
        asked[name].push(envelope);
        return answers[name](envelope);
      });
    }
  }
  const events: Envelope[] = [];
  const observer = await harness.endpoint('observer', [{ action: 'call', to: 'stale' }, { action: 'call', to: 'artifacts' }, { action: 'subscribe', to: 'stale.sweep' }], (envelope) => {
    if (envelope.kind === 'event') events.push(envelope);
  });
  await observer.subscribe('stale.sweep');
  return { harness, storeDir, observer, events, asked, answers, sweep: () => observer.call('stale', 'sweep', '', {}) };
}
