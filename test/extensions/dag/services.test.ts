/**
 * The tracker with the pool and arbitration (in-process test endpoints on the
 * real kernel), and the ops the stale sweeper uses: `status`, `fail`, `cancel`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDag, bundleInstrument, MemoryArtifacts, startHost, tempDir, testArbitration, TestPool, writeFile, type Started } from './harness.js';
import { INSTRUMENTS, testPolicy } from './policy.js';

const DECIDED = `version: 1
name: decided
nodes:
  pick:
    decide: { kind: instrument, question: "which copier?", candidates: [copy, copy2], deadlineMs: 200 }
    lease: true
    inputs: { src: in/source.txt }
    output: out/{runId}/pick.txt
  check:
    use: copy
    needs: [pick]
    when: { node: pick, path: note, equals: "" }
    output: out/{runId}/check.txt
  never:
    use: copy
    needs: [pick]
    when: { node: pick, path: chars, equals: -1 }
    output: out/{runId}/never.txt
`;

const LONG = `version: 1
name: long
nodes:
  wait:
    use: slow
    timeoutMs: 10000
    with: { sleepMs: 6000 }
  after:
    use: copy
    needs: [wait]
`;

type Status = { runs: { runId: string; state: string; updatedAt: number; reason?: string; nodes: Record<string, { state: string; instrument?: string }> }[] };

describe('dag with pool, arbitration and the sweeper ops', () => {
  const tmp = tempDir();
  const artifacts = new MemoryArtifacts();
  const pool = new TestPool();
  const asked: unknown[] = [];
  let started: Started;

  beforeAll(async () => {
    const policy = writeFile(tmp.dir, 'policy.yaml', testPolicy(await bundleDag(tmp.dir), await bundleInstrument(tmp.dir)));
    artifacts.blobs.set('in/source.txt', 'SRC');
    started = await startHost(tmp.dir, policy, ['dag', ...Object.keys(INSTRUMENTS)], { artifacts, pool, arbitration: testArbitration('copy2', asked) });
  });
  afterAll(async () => {
    await started?.host.stop();
    tmp.remove();
  });

  it('asks arbitration for the instrument, holds a pool slot around the task, and evaluates when: on a reply', async () => {
    const reply = (await started.tester.call('dag', 'run', '', { workflow: DECIDED, runId: 'dec-1', wait: true, waitMs: 15_000 }, { timeoutMs: 20_000 })) as { run: Status['runs'][number] };
    expect(reply.run.state).toBe('succeeded');
    expect(asked).toEqual([{ resource: 'instrument', kind: 'instrument', question: 'which copier?', candidates: ['copy', 'copy2'], deadlineMs: 200 }]);
    expect(reply.run.nodes.pick!.instrument).toBe('copy2');
    expect(pool.calls).toEqual([
      { op: 'lease', resource: 'copy2', holder: 'dec-1/pick' },
      { op: 'claim', resource: 'copy2' },
      { op: 'claim', resource: 'copy2' },
      { op: 'release', resource: 'copy2' },
    ]);
    expect(started.events.find((e) => e.topic === 'fixture.invoked' && e.body.nodeId === 'pick')?.body.id).toBe('copy2');
    expect(artifacts.blobs.get('out/dec-1/pick.txt')).toBe('pick(SRC)');
    expect(reply.run.nodes.check!.state).toBe('succeeded');
    expect(reply.run.nodes.never!.state).toBe('skipped');
  });

  it('status shows a running run; fail marks it failed once; its nodes are cancelled', async () => {
    await started.tester.call('dag', 'run', '', { workflow: LONG, runId: 'long-1' });
    await started.waitFor((e) => e.topic === 'dag.node.running' && e.body.runId === 'long-1');
    const before = (await started.tester.call('dag', 'status', '', { runId: 'long-1' })) as Status;
    expect(before.runs[0]).toMatchObject({ runId: 'long-1', state: 'running' });
    expect(before.runs[0]!.updatedAt).toBeGreaterThan(Date.now() - 10_000);
    expect(await started.tester.call('dag', 'fail', '', { runId: 'long-1', reason: 'abandoned for 60 s' })).toEqual({ failed: true });
    expect(await started.tester.call('dag', 'fail', '', { runId: 'long-1', reason: 'again' })).toEqual({ failed: false });
    expect(await started.tester.call('dag', 'fail', '', { runId: 'nope', reason: 'unknown' })).toEqual({ failed: false });
    const after = (await started.tester.call('dag', 'status', '', { runId: 'long-1' })) as Status;
    expect(after.runs[0]).toMatchObject({ state: 'failed', reason: 'abandoned for 60 s' });
    expect(after.runs[0]!.nodes).toMatchObject({ wait: { state: 'cancelled' }, after: { state: 'cancelled' } });
    await started.waitFor((e) => e.topic === 'dag.run.failed' && e.body.runId === 'long-1');
    expect(artifacts.blobs.has('dag/runs/long-1/done')).toBe(true);
  });

  it('cancel stops a run and answers false for a finished one', async () => {
    await started.tester.call('dag', 'run', '', { workflow: LONG, runId: 'long-2' });
    await started.waitFor((e) => e.topic === 'dag.node.running' && e.body.runId === 'long-2');
    expect(await started.tester.call('dag', 'cancel', '', { runId: 'long-2' })).toEqual({ cancelled: true });
    await started.waitFor((e) => e.topic === 'dag.run.cancelled' && e.body.runId === 'long-2');
    expect(await started.tester.call('dag', 'cancel', '', { runId: 'long-2' })).toEqual({ cancelled: false });
    expect(await started.tester.call('dag', 'cancel', '', { runId: 'dec-1' })).toEqual({ cancelled: false });
    const all = (await started.tester.call('dag', 'status', '', {})) as Status;
    expect(all.runs.map((r) => [r.runId, r.state])).toEqual([['dec-1', 'succeeded'], ['long-1', 'failed'], ['long-2', 'cancelled']]);
  });

  it('a node that keeps failing fails the run; dependents are cancelled; a missing delegate grant is not retried', async () => {
    const failing = `version: 1
name: failing
nodes:
  a:
    use: flaky
    retries: 1
    backoff: { baseMs: 10, jitter: 0 }
    with: { failTimes: 5 }
  b: { use: copy, needs: [a] }
  c:
    use: stranger
    retries: 3
    output: out/{runId}/c.txt
`;
    const reply = (await started.tester.call('dag', 'run', '', { workflow: failing, runId: 'fail-1', wait: true }, { timeoutMs: 20_000 })) as { run: Status['runs'][number] };
    expect(reply.run).toMatchObject({ state: 'failed' });
    const seq = (id: string) => started.events.filter((e) => e.topic.startsWith('dag.node.') && e.body.runId === 'fail-1' && e.body.nodeId === id).map((e) => `${e.body.state}#${e.body.attempt}`);
    await started.waitFor((e) => e.topic === 'dag.run.failed' && e.body.runId === 'fail-1');
    expect(seq('a')).toEqual(['running#1', 'retrying#1', 'running#2', 'failed#2']);
    expect(seq('b')).toEqual(['cancelled#0']);
    // "stranger" is not in the tracker's delegate grants: the kernel refuses, and E_DENIED is final.
    expect(seq('c')).toEqual(['running#1', 'failed#1']);
    expect(started.events.find((e) => e.topic === 'dag.node.failed' && e.body.nodeId === 'c' && e.body.runId === 'fail-1')?.body.code).toBe('E_DENIED');
  });

  it('rejects a bad body with the zod message, before anything runs', async () => {
    await expect(started.tester.call('dag', 'run', '', { workflow: LONG, runId: 'Bad Id' })).rejects.toMatchObject({ code: 'E_BAD_ENVELOPE' });
    await expect(started.tester.call('dag', 'fail', '', { runId: 'long-1' })).rejects.toMatchObject({ code: 'E_BAD_ENVELOPE' });
  });
});
