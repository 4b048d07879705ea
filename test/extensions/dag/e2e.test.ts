/**
 * The acceptance run, end to end through the real kernel and sandboxes: a
 * 7-node workflow with a parallel branch, a node that fails twice then
 * succeeds, a node that times out and takes its fallback, a task that tries to
 * write outside its delegated key (denied), and a skipped node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDag, bundleInstrument, MemoryArtifacts, startHost, tempDir, writeFile, type Recorded, type Started } from './harness.js';
import { INSTRUMENTS, testPolicy } from './policy.js';
import { readAudit } from '../../nanokernel/helpers.js';

const WORKFLOW = `version: 1
name: acceptance
defaults: { timeoutMs: 5000 }
nodes:
  fetch:
    use: copy
    inputs: { src: in/source.txt }
    output: out/{runId}/fetch.txt
  left:
    use: flaky
    inputs: { a: { from: fetch } }
    output: out/{runId}/left.txt
    retries: 3
    backoff: { baseMs: 20, maxMs: 100, jitter: 0.5 }
  right:
    use: slow
    inputs: { a: { from: fetch } }
    output: out/{runId}/right.txt
    timeoutMs: 700
    retries: 0
    with: { sleepMs: 4000 }
    fallback: rightsafe
  rightsafe:
    use: copy
    inputs: { a: { from: fetch } }
  guard:
    use: escape
    inputs: { a: { from: fetch } }
    output: out/{runId}/guard.txt
    with: { target: secret/outside.txt }
  merge:
    use: copy
    inputs: { l: { from: left }, r: { from: right }, g: { from: guard } }
    output: out/{runId}/merge.txt
  optional:
    use: copy
    needs: [merge]
    when: { exists: in/absent.txt }
    output: out/{runId}/optional.txt
`;

const seqOf = (events: Recorded[], nodeId: string) => events.filter((e) => e.topic.startsWith('dag.node.') && e.body.nodeId === nodeId).map((e) => `${e.body.state}#${e.body.attempt}`);

describe('dag end to end', () => {
  const tmp = tempDir();
  const artifacts = new MemoryArtifacts();
  let started: Started;

  beforeAll(async () => {
    const instrument = await bundleInstrument(tmp.dir);
    const policy = writeFile(tmp.dir, 'policy.yaml', testPolicy(await bundleDag(tmp.dir), instrument));
    artifacts.blobs.set('in/source.txt', 'SRC');
    started = await startHost(tmp.dir, policy, ['dag', ...Object.keys(INSTRUMENTS)], { artifacts });
  });
  afterAll(async () => {
    await started?.host.stop();
    tmp.remove();
  });

  it('runs the acceptance workflow with the right artifacts and event sequence', async () => {
    const reply = (await started.tester.call('dag', 'run', '', { workflow: WORKFLOW, file: 'acceptance.yaml', runId: 'acc-1' })) as { runId: string };
    expect(reply).toEqual({ runId: 'acc-1' });
    const done = await started.waitFor((e) => e.topic.startsWith('dag.run.') && e.body.state !== 'started', 25_000);
    expect(done.topic).toBe('dag.run.succeeded');
    const { events } = started;

    expect(seqOf(events, 'fetch')).toEqual(['running#1', 'succeeded#1']);
    expect(seqOf(events, 'left')).toEqual(['running#1', 'retrying#1', 'running#2', 'retrying#2', 'running#3', 'succeeded#3']);
    expect(seqOf(events, 'right')).toEqual(['running#1', 'fallback#1']);
    expect(events.find((e) => e.topic === 'dag.node.fallback')?.body.code).toBe('E_TIMEOUT');
    expect(seqOf(events, 'rightsafe')).toEqual(['running#1', 'succeeded#1']);
    expect(events.find((e) => e.topic === 'dag.node.running' && e.body.nodeId === 'rightsafe')?.body.fallbackFor).toBe('right');
    expect(seqOf(events, 'guard')).toEqual(['running#1', 'succeeded#1']);
    expect(seqOf(events, 'merge')).toEqual(['running#1', 'succeeded#1']);
    expect(seqOf(events, 'optional')).toEqual(['skipped#0']);
    expect(events.filter((e) => e.topic.startsWith('dag.run.')).map((e) => e.topic)).toEqual(['dag.run.started', 'dag.run.succeeded']);

    // The parallel branch: left and guard finished while right was still running.
    const at = (topic: string, nodeId: string) => events.findIndex((e) => e.topic === topic && e.body.nodeId === nodeId);
    expect(at('dag.node.running', 'right')).toBeLessThan(at('dag.node.succeeded', 'left'));
    expect(at('dag.node.succeeded', 'left')).toBeLessThan(at('dag.node.fallback', 'right'));
    expect(at('dag.node.succeeded', 'guard')).toBeLessThan(at('dag.node.fallback', 'right'));
    // Sequence numbers are strictly increasing in publish order.
    const seqs = events.filter((e) => e.topic.startsWith('dag.')).map((e) => e.body.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const blobs = artifacts.blobs;
    expect(blobs.get('out/acc-1/fetch.txt')).toBe('fetch(SRC)');
    expect(blobs.get('out/acc-1/left.txt')).toBe('left(fetch(SRC))');
    expect(blobs.get('out/acc-1/right.txt')).toBe('rightsafe(fetch(SRC))');
    expect(blobs.get('out/acc-1/guard.txt')).toBe('guard(fetch(SRC)):escape=E_DENIED');
    expect(blobs.get('out/acc-1/merge.txt')).toBe('merge(guard(fetch(SRC)):escape=E_DENIED+left(fetch(SRC))+rightsafe(fetch(SRC)))');
    expect(blobs.has('secret/outside.txt')).toBe(false);
    expect(blobs.has('out/acc-1/optional.txt')).toBe(false);
    // The flaky instrument saw the same idempotency key on every attempt.
    const flaky = events.filter((e) => e.topic === 'fixture.invoked' && e.body.nodeId === 'left');
    expect(flaky.map((e) => e.body.attempt)).toEqual([1, 2, 3]);
    expect(new Set(flaky.map((e) => e.body.key))).toEqual(new Set(['acc-1/left']));

    const status = (await started.tester.call('dag', 'status', '', { runId: 'acc-1' })) as { runs: { runId: string; state: string; updatedAt: number; nodes: Record<string, { state: string; instrument?: string }> }[] };
    expect(status.runs).toHaveLength(1);
    expect(status.runs[0]).toMatchObject({ runId: 'acc-1', state: 'succeeded' });
    expect(status.runs[0]!.nodes.right!.state).toBe('fallback');
    expect(status.runs[0]!.nodes.optional!.state).toBe('skipped');
    // The log ended with a done marker.
    expect(blobs.has('dag/runs/acc-1/done')).toBe(true);
  });

  it('survives an instrument crashing mid-run: the overrun worker is stopped and rebuilt, the retry succeeds, every transition is in the audit log', async () => {
    const workflow = `version: 1
name: crash
nodes:
  fetch:
    use: copy
    inputs: { src: in/source.txt }
    output: out/{runId}/fetch.txt
  crashing:
    use: crashy
    inputs: { a: { from: fetch } }
    output: out/{runId}/crashing.txt
    timeoutMs: 5000
    retries: 1
    backoff: { baseMs: 20, maxMs: 20, jitter: 0 }
`;
    const from = started.events.length;
    await started.tester.call('dag', 'run', '', { workflow, runId: 'crash-1' });
    const done = await started.waitFor((e) => e.topic.startsWith('dag.run.') && e.body.runId === 'crash-1' && e.body.state !== 'started', 20_000);
    expect(done.topic).toBe('dag.run.succeeded');
    const events = started.events.slice(from).filter((e) => e.body.runId === 'crash-1');
    expect(seqOf(events, 'crashing')).toEqual(['running#1', 'retrying#1', 'running#2', 'succeeded#2']);
    // Stopped by its own 500 ms limit, not the node's 5 s deadline.
    expect(events.find((e) => e.topic === 'dag.node.retrying')?.body.code).toBe('E_TIMEOUT');
    expect(artifacts.blobs.get('out/crash-1/crashing.txt')).toBe('crashing(fetch(SRC))');

    started.host.kernel.audit.flush();
    const audit = readAudit(started.host.kernel.audit.file);
    const crash = audit.findIndex((r) => r.action === 'endpoint.crash' && r.target === 'crashy');
    const restart = audit.findIndex((r) => r.action === 'endpoint.restart' && r.target === 'crashy');
    expect(crash).toBeGreaterThan(-1);
    expect(restart).toBeGreaterThan(crash);
    // One publish record per transition of this run, in the order the subscriber saw them (runs here are sequential).
    const runCall = audit.findLastIndex((r) => r.action === 'call' && r.target === 'dag' && r.op === 'run' && r.actor === 'tester');
    const published = audit.slice(runCall).filter((r) => r.actor === 'dag' && r.action === 'publish' && typeof r.target === 'string' && r.target.startsWith('dag.') && r.verdict === 'allow');
    expect(published.map((r) => r.target)).toEqual(events.filter((e) => e.topic.startsWith('dag.')).map((e) => e.topic));
    // The first attempt's task token died with the attempt: the tracker revoked it.
    expect(audit.filter((r) => r.action === 'revoke' && r.actor === 'dag' && r.target === 'crashy').length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('retrying run with the same id and workflow starts nothing twice; a different workflow is refused', async () => {
    const again = (await started.tester.call('dag', 'run', '', { workflow: WORKFLOW, runId: 'acc-1' })) as { existing?: boolean };
    expect(again.existing).toBe(true);
    await expect(started.tester.call('dag', 'run', '', { workflow: WORKFLOW.replace('acceptance', 'other'), runId: 'acc-1' })).rejects.toMatchObject({ code: 'E_BAD_ENVELOPE' });
    // A run id whose log exists from before a restart is refused too (its log must not be overwritten).
    artifacts.blobs.set('dag/runs/old-1/log/00000000', '{}\n');
    const error = await started.tester.call('dag', 'run', '', { workflow: WORKFLOW, runId: 'old-1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BAD_ENVELOPE', message: 'run id "old-1" was used by an earlier run (its event log exists)' });
  });

  it('refuses an invalid workflow with line:col, naming the cycle', async () => {
    const bad = 'version: 1\nname: bad\nnodes:\n  a: { use: copy, needs: [b] }\n  b: { use: copy, needs: [a] }\n';
    const error = await started.tester.call('dag', 'run', '', { workflow: bad, file: 'bad.yaml' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BAD_ENVELOPE' });
    expect((error as Error).message).toContain('bad.yaml:4:3 nodes.a: dependency cycle: a → b → a');
  });
});
