import { describe, expect, it } from 'vitest';
import { envelope, RecordingPort, rejection, sandboxFor } from './helpers.js';

describe('WasmSandbox restarts', () => {
  it('stops an infinite loop at the deadline, answers E_TIMEOUT, and serves again from a fresh worker', async () => {
    const sandbox = sandboxFor('spin');
    await sandbox.start(new RecordingPort('spin'));
    try {
      const started = performance.now();
      const error = await rejection(sandbox.deliver(envelope('spin', 'spin', null), 300));
      const elapsed = performance.now() - started;
      expect(error.code).toBe('E_TIMEOUT');
      expect(error.facts).toMatchObject({ to: 'spin', op: 'spin', running: true });
      expect(elapsed).toBeLessThan(1_000);
      const again = performance.now();
      // The supervisor restarts a stopped plugin; without one, the next delivery builds a fresh worker.
      expect(await sandbox.deliver(envelope('spin', 'ok', null), 2_000)).toBe('alive');
      console.log(`wasm: timeout after ${elapsed.toFixed(0)} ms; fresh worker served in ${(performance.now() - again).toFixed(0)} ms`);
      expect(sandbox.spawns).toBe(2);
    } finally {
      await sandbox.stop();
    }
  });

  it('answers E_TARGET_CRASHED for a trap and rebuilds the instance (state is fresh)', async () => {
    const sandbox = sandboxFor('trap');
    await sandbox.start(new RecordingPort('trap'));
    try {
      expect(await sandbox.deliver(envelope('trap', 'count', null), 1_000)).toBe(1);
      expect(await sandbox.deliver(envelope('trap', 'count', null), 1_000)).toBe(2);
      const error = await rejection(sandbox.deliver(envelope('trap', 'trap', null), 1_000));
      expect(error.code).toBe('E_TARGET_CRASHED');
      expect(error.facts).toMatchObject({ crashed: true });
      expect(error.message).toContain('unreachable');
      expect(await sandbox.deliver(envelope('trap', 'count', null), 1_000)).toBe(1);
      expect(sandbox.spawns).toBe(1); // a trap rebuilds the instance inside the same worker
    } finally {
      await sandbox.stop();
    }
  });

  it('answers pings, and refuses deliveries after stop', async () => {
    const sandbox = sandboxFor('wordcount');
    await sandbox.start(new RecordingPort('wordcount'));
    await expect(sandbox.ping(1_000)).resolves.toBeUndefined();
    await sandbox.stop();
    expect((await rejection(sandbox.deliver(envelope('wordcount', 'count', 'x'), 100))).code).toBe('E_TARGET_CRASHED');
    expect((await rejection(sandbox.ping(100))).code).toBe('E_TARGET_CRASHED');
  });

  it('can be started again after stop (how the kernel supervisor restarts it)', async () => {
    const sandbox = sandboxFor('wordcount');
    const port = new RecordingPort('wordcount');
    await sandbox.start(port);
    await sandbox.stop();
    await sandbox.start(port);
    try {
      expect(await sandbox.deliver(envelope('wordcount', 'count', 'a b c'), 1_000)).toEqual({ words: 3, chars: 5 });
    } finally {
      await sandbox.stop();
    }
  });

  it('times out a delivery that waited too long behind a runaway one, without running it', async () => {
    const sandbox = sandboxFor('spin');
    await sandbox.start(new RecordingPort('spin'));
    try {
      const first = rejection(sandbox.deliver(envelope('spin', 'spin', null), 400));
      const second = await rejection(sandbox.deliver(envelope('spin', 'ok', null), 100));
      expect(second).toMatchObject({ code: 'E_TIMEOUT', facts: { running: false } });
      expect((await first).code).toBe('E_TIMEOUT');
    } finally {
      await sandbox.stop();
    }
  });

  it('lets a caller stop waiting without stopping the plugin; only the plugin\'s own limit stops it', async () => {
    const sandbox = sandboxFor('spin');
    await sandbox.start(new RecordingPort('spin'));
    try {
      const started = performance.now();
      const impatient = await rejection(sandbox.deliver(envelope('spin', 'spin', null, { deadline: Date.now() + 50 }), 600));
      expect(performance.now() - started).toBeLessThan(400);
      expect(impatient).toMatchObject({ code: 'E_TIMEOUT', facts: { running: true } });
      expect(impatient.hint).toContain('caller stopped waiting');
      expect(sandbox.spawns).toBe(1); // still the first worker: nothing was killed for the caller
      await new Promise((resolve) => setTimeout(resolve, 700)); // the plugin's own 600 ms limit passes
      expect(await sandbox.deliver(envelope('spin', 'ok', null), 2_000)).toBe('alive');
      expect(sandbox.spawns).toBe(2); // the overrun was stopped at the plugin's limit
    } finally {
      await sandbox.stop();
    }
  });
});
