/**
 * The tracker against the real artifact store (extensions/artifacts, a worker
 * sandbox writing into a temp directory): a run is stopped with its host while
 * a slow node is in flight; a new host on the same directory resumes it from
 * the event log on disk and finishes without re-running finished nodes.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleArtifacts, bundleDag, bundleInstrument, startHost, tempDir, writeFile, type Started } from './harness.js';
import { INSTRUMENTS, testPolicy } from './policy.js';

const WORKFLOW = `version: 1
name: on-disk
nodes:
  seed:
    use: copy
    output: data/{runId}/seed.txt
  guard:
    use: escape
    inputs: { a: { from: seed } }
    output: data/{runId}/guard.txt
    with: { target: data/other.txt }
  long:
    use: slow
    inputs: { a: { from: seed } }
    output: data/{runId}/long.txt
    timeoutMs: 12000
    retries: 2
    backoff: { baseMs: 50, jitter: 0 }
    with: { sleepMs: 5000 }
  join:
    use: copy
    inputs: { a: { from: long }, b: { from: guard } }
    output: data/{runId}/join.txt
`;

describe('dag with the real artifact store', () => {
  const tmp = tempDir();
  const only = ['dag', 'artifacts', ...Object.keys(INSTRUMENTS)];
  let policy: string;
  let second: Started | undefined;

  beforeAll(async () => {
    const store = path.join(tmp.dir, 'store');
    mkdirSync(store);
    const real = { module: await bundleArtifacts(tmp.dir), dir: store };
    policy = writeFile(tmp.dir, 'policy.yaml', testPolicy(await bundleDag(tmp.dir), await bundleInstrument(tmp.dir), {}, real));
  });
  afterAll(async () => {
    await second?.host.stop();
    tmp.remove();
  });

  it('resumes from the log on disk; finished nodes never run again; the escape is denied', async () => {
    const first = await startHost(tmp.dir, policy, only, {});
    await first.tester.call('dag', 'run', '', { workflow: WORKFLOW, runId: 'disk-1' });
    await first.waitFor((e) => e.topic === 'fixture.invoked' && e.body.nodeId === 'long');
    await first.waitFor((e) => e.topic === 'dag.node.succeeded' && e.body.nodeId === 'guard');
    await first.host.stop();

    second = await startHost(tmp.dir, policy, only, {});
    await second.waitFor((e) => e.topic === 'dag.run.resumed' && e.body.runId === 'disk-1', 30_000);
    const done = await second.waitFor((e) => e.topic.startsWith('dag.run.') && e.body.state !== 'resumed', 30_000);
    expect(done.topic).toBe('dag.run.succeeded');
    const invoked = [...first.events, ...second.events].filter((e) => e.topic === 'fixture.invoked').map((e) => String(e.body.nodeId));
    expect(invoked.filter((n) => n === 'seed')).toHaveLength(1);
    expect(invoked.filter((n) => n === 'guard')).toHaveLength(1);
    expect(invoked.filter((n) => n === 'join')).toHaveLength(1);
    expect(second.events.filter((e) => e.topic.startsWith('dag.node.') && ['seed', 'guard'].includes(String(e.body.nodeId)))).toEqual([]);

    const read = async (ref: string) => ((await second!.tester.call('artifacts', 'get', ref, {})) as { data: string }).data;
    expect(await read('data/disk-1/join.txt')).toBe('join(guard(seed()):escape=E_DENIED+long(seed()))');
    await expect(second.tester.call('artifacts', 'get', 'data/other.txt', {})).rejects.toMatchObject({ code: 'E_NO_TARGET' });
    expect(JSON.parse(await read('dag/runs/disk-1/done'))).toEqual({ runId: 'disk-1', state: 'succeeded' });
  }, 90_000);
});
