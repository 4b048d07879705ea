/**
 * Kill and resume: a host is stopped mid-run with the artifact store cut off at
 * the same instant (nothing after the kill is kept); a new host on the same
 * artifact data replays the tracker's event log and finishes the run without
 * re-running the nodes that had finished (instrument invocations are counted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDag, bundleInstrument, MemoryArtifacts, startHost, tempDir, writeFile, type Started } from './harness.js';
import { INSTRUMENTS, testPolicy } from './policy.js';

const WORKFLOW = `version: 1
name: resumable
nodes:
  first:
    use: copy
    inputs: { src: in/source.txt }
    output: out/{runId}/first.txt
  side:
    use: copy2
    inputs: { src: in/source.txt }
    output: out/{runId}/side.txt
  long:
    use: slow
    inputs: { a: { from: first } }
    output: out/{runId}/long.txt
    timeoutMs: 12000
    with: { sleepMs: 5000 }
  last:
    use: copy
    inputs: { a: { from: long }, b: { from: side } }
    output: out/{runId}/last.txt
`;

describe('dag resume after a kill', () => {
  const tmp = tempDir();
  const artifacts = new MemoryArtifacts();
  const only = ['dag', ...Object.keys(INSTRUMENTS)];
  let policy: string;
  let second: Started | undefined;

  beforeAll(async () => {
    policy = writeFile(tmp.dir, 'policy.yaml', testPolicy(await bundleDag(tmp.dir), await bundleInstrument(tmp.dir)));
    artifacts.blobs.set('in/source.txt', 'SRC');
  });
  afterAll(async () => {
    await second?.host.stop();
    tmp.remove();
  });

  it('continues the run on a new host and never re-runs a finished node', async () => {
    const first = await startHost(tmp.dir, policy, only, { artifacts });
    await first.tester.call('dag', 'run', '', { workflow: WORKFLOW, runId: 'res-1' });
    await first.waitFor((e) => e.topic === 'fixture.invoked' && e.body.nodeId === 'long');
    await first.waitFor((e) => e.topic === 'dag.node.succeeded' && e.body.nodeId === 'side');
    const before = first.events.filter((e) => e.topic === 'fixture.invoked').map((e) => e.body.nodeId);
    expect(before.sort()).toEqual(['first', 'long', 'side']);

    artifacts.offline = true; // the kill: from here on nothing reaches the store
    await first.host.stop();
    artifacts.offline = false;
    expect(artifacts.blobs.has('dag/runs/res-1/done')).toBe(false);
    expect(artifacts.blobs.has('out/res-1/long.txt')).toBe(false);

    second = await startHost(tmp.dir, policy, only, { artifacts });
    const resumed = await second.waitFor((e) => e.topic === 'dag.run.resumed');
    expect(resumed.body.runId).toBe('res-1');
    const done = await second.waitFor((e) => e.topic.startsWith('dag.run.') && ['succeeded', 'failed', 'cancelled'].includes(String(e.body.state)), 30_000);
    expect(done.topic).toBe('dag.run.succeeded');

    const after = second.events.filter((e) => e.topic === 'fixture.invoked');
    expect(after.map((e) => e.body.nodeId).sort()).toEqual(['last', 'long']);
    // The re-run node kept its idempotency key and continued its attempt count.
    const long = after.find((e) => e.body.nodeId === 'long')!;
    expect(long.body.key).toBe('res-1/long');
    expect(long.body.attempt).toBe(2);
    // No transition of a finished node after the restart.
    const replayed = second.events.filter((e) => e.topic.startsWith('dag.node.') && ['first', 'side'].includes(String(e.body.nodeId)));
    expect(replayed).toEqual([]);
    // Sequence numbers continue where the first host stopped.
    const firstSeqs = first.events.filter((e) => e.topic.startsWith('dag.')).map((e) => e.body.seq as number);
    const secondSeqs = second.events.filter((e) => e.topic.startsWith('dag.')).map((e) => e.body.seq as number);
    expect(Math.min(...secondSeqs)).toBeGreaterThan(Math.max(...firstSeqs));

    expect(artifacts.blobs.get('out/res-1/last.txt')).toBe('last(long(first(SRC))+side(SRC))');
    expect(artifacts.blobs.has('dag/runs/res-1/done')).toBe(true);
    const status = (await second.tester.call('dag', 'status', '', {})) as { runs: { runId: string; state: string }[] };
    expect(status.runs).toEqual([expect.objectContaining({ runId: 'res-1', state: 'succeeded' })]);
  }, 60_000);
});
