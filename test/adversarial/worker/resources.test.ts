/**
 * Hostile extensions attacking the host's resources: spinning, exhausting the
 * heap, throwing non-errors, sending huge bodies, flooding the kernel. Each gets
 * its exact code; the `uppercase` extension keeps answering throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSandbox } from '../../../sandboxes/worker/index.js';
import { callEnvelope, exampleSource, probeSource, recordingPort, rejection, startKernel, type TestKernel } from '../../sandboxes/worker/helpers.js';

const restart = { initialBackoffMs: 10, maxBackoffMs: 50 };

describe('worker resource attacks', () => {
  let t: TestKernel;
  const stillServing = async () => expect(await t.driver.call('uppercase', 'upper', '', { text: 'alive' })).toBe('ALIVE');

  beforeAll(async () => {
    t = await startKernel();
    await t.attach({ id: 'uppercase', source: exampleSource('uppercase') }, []);
  });
  afterAll(async () => t.close());

  it('a busy loop is terminated at the deadline with E_TIMEOUT, then restarted', async () => {
    const spinner = await t.attach({ id: 'spinner', source: probeSource('for (;;) {}') }, [], restart);
    const started = performance.now();
    const error = await rejection(t.driver.call('spinner', 'probe', '', null, { timeoutMs: 300 }));
    expect(error.code).toBe('E_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(2_000);
    await stillServing();
    await expect.poll(() => spinner.state, { timeout: 5_000 }).toBe('running');
    expect(await t.driver.call('spinner', 'echo', '', 'back')).toBe('back');
    expect(t.audit().some((r) => r.action === 'endpoint.crash' && r.target === 'spinner')).toBe(true);
  });

  it('allocating past the heap limit crashes only that worker: E_TARGET_CRASHED', async () => {
    const crashes: string[] = [];
    const hog = await t.attach({ id: 'hog', source: probeSource('const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length));'), hostGrants: { memoryMb: 32 } }, [], restart);
    hog.sandbox.onCrash((reason) => crashes.push(reason));
    const error = await rejection(t.driver.call('hog', 'probe', '', null, { timeoutMs: 20_000 }));
    expect(error.code).toBe('E_TARGET_CRASHED');
    expect(crashes[0]).toMatch(/out of memory/);
    await stillServing();
  });

  it('a thrown non-Error becomes an uncoded E_TARGET_CRASHED reply; the worker itself lives on', async () => {
    // Driven directly: the kernel's supervisor restarts on E_TARGET_CRASHED, which would hide whether the thread survived.
    const sandbox = new WorkerSandbox({ id: 'thrower', source: probeSource('throw input.value;') });
    const crashes: string[] = [];
    sandbox.onCrash((reason) => crashes.push(reason));
    await sandbox.start(recordingPort('thrower'));
    try {
      for (const value of [42, 'text', null, { no: 'code' }, [1, 2], { code: 'E_NOT_A_CODE' }]) {
        const error = await rejection(sandbox.deliver(callEnvelope('thrower', 'probe', { value }), 2_000));
        expect(error.code).toBe('E_TARGET_CRASHED');
        expect(error.message).toMatch(/uncoded/);
      }
      const coded = await rejection(sandbox.deliver(callEnvelope('thrower', 'probe', { value: { code: 'E_DENIED', message: 'mine', facts: { a: 1 }, hint: 'h' } }), 2_000));
      expect(coded).toMatchObject({ code: 'E_DENIED', message: 'mine', facts: { a: 1 }, hint: 'h' });
      await sandbox.ping(1_000);
      expect(crashes).toEqual([]);
      expect(sandbox.state).toBe('running');
    } finally {
      await sandbox.stop();
    }
  });

  it('a 100 MB body from the extension fails with E_TOO_LARGE before it leaves the worker', async () => {
    await t.attach(
      { id: 'bulky', source: probeSource("try { await ctx.api.call('uppercase', 'upper', '', new Uint8Array(100 * 1024 * 1024)); return 'sent'; } catch (e) { return e.code; }"), hostGrants: { memoryMb: 128 } },
      [{ action: 'call', to: 'uppercase' }],
    );
    expect(await t.driver.call('bulky', 'probe', '', null, { timeoutMs: 10_000 })).toBe('E_TOO_LARGE');
    expect(t.audit().some((r) => r.actor === 'bulky' && r.action === 'call')).toBe(false);
    await stillServing();
  });

  it('a reply over maxBodyBytes fails with E_TOO_LARGE', async () => {
    await t.attach({ id: 'bigreply', source: probeSource("return 'x'.repeat(2048);"), hostGrants: { maxBodyBytes: 1024 } }, []);
    expect((await rejection(t.driver.call('bigreply', 'probe', '', null))).code).toBe('E_TOO_LARGE');
  });

  it('more kernel calls than maxCallsPerSecond fail with E_OVERLOADED', async () => {
    await t.attach(
      {
        id: 'flooder',
        source: probeSource("const codes = await Promise.all(Array.from({ length: 30 }, () => ctx.api.call('uppercase', 'upper', '', { text: 'a' }).then(() => 'ok', (e) => e.code))); return codes;"),
        hostGrants: { maxCallsPerSecond: 10 },
      },
      [{ action: 'call', to: 'uppercase' }],
    );
    const codes = (await t.driver.call('flooder', 'probe', '', null)) as string[];
    expect(codes.filter((code) => code === 'ok')).toHaveLength(10);
    expect(codes.filter((code) => code === 'E_OVERLOADED')).toHaveLength(20);
  });

  it('logs are routed through the kernel logger, never printed raw', async () => {
    await t.attach({ id: 'chatty', source: probeSource("console.log('hello', { n: 1 }); ctx.api.log('warn', 'careful', { k: 'v' }); return 'logged';") }, []);
    expect(await t.driver.call('chatty', 'probe', '', null)).toBe('logged');
    await expect.poll(() => t.logLines.filter((line) => line.ext === 'chatty').map((line) => line.msg)).toEqual(['hello {"n":1}', 'careful']);
  });
});
