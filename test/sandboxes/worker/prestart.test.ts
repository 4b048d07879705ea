import { describe, expect, it } from 'vitest';
import { WorkerSandbox } from '../../../sandboxes/worker/index.js';
import { callEnvelope, probeSource, recordingPort } from './helpers.js';

describe('prestart', () => {
  it('a prestarted sandbox starts faster than a cold one (and reports the round trip)', async () => {
    const source = probeSource('return input;');
    const cold = new WorkerSandbox({ id: 'cold', source });
    let at = performance.now();
    await cold.start(recordingPort('cold'));
    const coldMs = performance.now() - at;
    const warm = new WorkerSandbox({ id: 'warm', source });
    await warm.prestart();
    at = performance.now();
    await warm.start(recordingPort('warm'));
    const warmMs = performance.now() - at;
    for (let i = 0; i < 200; i++) await warm.deliver(callEnvelope('warm', 'probe', i), 1_000);
    at = performance.now();
    for (let i = 0; i < 1_000; i++) await warm.deliver(callEnvelope('warm', 'probe', i), 1_000);
    const roundTripUs = ((performance.now() - at) / 1_000) * 1_000;
    console.log(`cold start ${coldMs.toFixed(0)} ms, start after prestart ${warmMs.toFixed(0)} ms, deliver round trip ${roundTripUs.toFixed(0)} µs`);
    expect(warmMs).toBeLessThan(coldMs);
    await Promise.all([cold.stop(), warm.stop()]);
  });

  it('with warmSpare, a restart after a crash reuses the booted spare', async () => {
    const sandbox = new WorkerSandbox({ id: 'spare', source: probeSource('for (;;) {}'), warmSpare: true });
    await sandbox.start(recordingPort('spare'));
    await sandbox.deliver(callEnvelope('spare', 'probe', null), 100).catch(() => undefined);
    expect(sandbox.state).toBe('crashed');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the spare boots meanwhile
    const at = performance.now();
    await sandbox.start(recordingPort('spare'));
    console.log(`restart with a warm spare ${(performance.now() - at).toFixed(0)} ms`);
    expect(sandbox.state).toBe('running');
    await sandbox.stop();
  });
});
