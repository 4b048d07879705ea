import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../sandboxes/compiled-path.js';
import { WasmSandbox } from '../../sandboxes/wasm/index.js';
import { WorkerSandbox } from '../../sandboxes/worker/index.js';
import { readAudit, rejection, startKernel } from './helpers.js';

const ROOT = projectRoot(path.dirname(new URL(import.meta.url).pathname));
const FAST = { initialBackoffMs: 5, maxBackoffMs: 20, maxCrashes: 3, crashWindowMs: 10_000, circuitCooldownMs: 300 };

function plugin(name: string): WasmSandbox {
  const wasmPath = path.join(ROOT, 'dist', 'plugins', `${name}.wasm`);
  return new WasmSandbox({ id: name, wasmPath, sha256: createHash('sha256').update(readFileSync(wasmPath)).digest('hex') });
}

const crashOnCommand = `import { defineExtension, z } from '../../extensions/sdk/worker/index.js';
export default defineExtension({
  ops: {
    ok: { body: z.unknown(), handle: () => 'alive' },
    spin: { body: z.unknown(), handle: () => { for (;;) {} } },
  },
  init(api, data) { if (data.broken) throw new Error('broken on purpose'); },
});`;

describe('supervisor', () => {
  it('restarts a Wasm plugin after a trap, with the crash and the restart audited', async () => {
    const kernel = await startKernel();
    await kernel.attach(plugin('trap'), await kernel.mintToken('trap', []), { timeoutMs: 2_000 }, FAST);
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'trap' }]), () => undefined);
    expect(await client.call('trap', 'count', '', null)).toBe(1);
    const crash = await rejection(client.call('trap', 'trap', '', null));
    expect(crash.code).toBe('E_TARGET_CRASHED');
    expect(await client.call('trap', 'ok', '', null)).toBe('alive');
    await kernel.shutdown();
    const records = readAudit(kernel.audit.file).filter((r) => r.target === 'trap');
    expect(records.map((r) => r.action)).toEqual(expect.arrayContaining(['endpoint.start', 'endpoint.crash', 'endpoint.restart']));
    const wasmPath = path.join(ROOT, 'dist', 'plugins', 'trap.wasm');
    expect(records.find((r) => r.action === 'endpoint.start')!.detail).toEqual({ sandbox: 'wasm', sha256: createHash('sha256').update(readFileSync(wasmPath)).digest('hex') });
  });

  it('opens the circuit on a crash loop, fails fast with a clear code, and recovers when fixed', async () => {
    const kernel = await startKernel();
    const data = { broken: false };
    const sandbox = new WorkerSandbox({ id: 'flaky', source: crashOnCommand, data });
    const supervised = await kernel.attach(sandbox, await kernel.mintToken('flaky', []), { timeoutMs: 200 }, FAST);
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'flaky' }]), () => undefined);
    expect(await client.call('flaky', 'ok', '', null)).toBe('alive');

    data.broken = true; // from now on every restart dies in init
    expect((await rejection(client.call('flaky', 'spin', '', null))).code).toBe('E_TIMEOUT');
    await expect.poll(() => supervised.state, { timeout: 10_000, interval: 20 }).toBe('circuit-open');
    const started = performance.now();
    const fast = await rejection(client.call('flaky', 'ok', '', null));
    expect(performance.now() - started).toBeLessThan(100);
    expect(fast.code).toBe('E_TARGET_CRASHED');
    expect(fast.facts).toMatchObject({ state: 'circuit-open' });
    expect(fast.hint).toContain('probed again after the cooldown');

    data.broken = false; // fixed: the probe after the cooldown succeeds
    await expect.poll(() => supervised.state, { timeout: 10_000, interval: 20 }).toBe('running');
    expect(await client.call('flaky', 'ok', '', null)).toBe('alive');
    await kernel.shutdown();
    const actions = readAudit(kernel.audit.file).filter((r) => r.target === 'flaky').map((r) => r.action);
    expect(actions.filter((a) => a === 'endpoint.crash').length).toBeGreaterThanOrEqual(3);
    expect(actions).toContain('circuit.open');
    expect(actions.indexOf('circuit.close')).toBeGreaterThan(actions.indexOf('circuit.open'));
  });

  it('a stop during a restart stays stopped: the restart does not bring the sandbox back', async () => {
    const kernel = await startKernel();
    const sandbox = new WorkerSandbox({ id: 'slowstart', source: crashOnCommand, data: { broken: false } });
    const supervised = await kernel.attach(sandbox, await kernel.mintToken('slowstart', []), { timeoutMs: 200 }, FAST);
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'slowstart' }]), () => undefined);
    expect((await rejection(client.call('slowstart', 'spin', '', null))).code).toBe('E_TIMEOUT');
    await expect.poll(() => supervised.state, { timeout: 5_000, interval: 2 }).toBe('restarting');
    // The backoff (at most 7.5 ms here) has passed; a worker start (SES lockdown) takes far longer.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await supervised.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(supervised.state).toBe('stopped');
    await kernel.shutdown();
    const actions = readAudit(kernel.audit.file).filter((r) => r.target === 'slowstart').map((r) => r.action);
    expect(actions).not.toContain('endpoint.restart');
    expect(actions.at(-1)).toBe('endpoint.stop');
  });

  it('leaves an extension running when it merely throws', async () => {
    const kernel = await startKernel();
    const source = crashOnCommand.replace("ok: { body: z.unknown(), handle: () => 'alive' },", "ok: { body: z.unknown(), handle: () => 'alive' },\n    fail: { body: z.unknown(), handle: () => { throw new Error('plain'); } },");
    const supervised = await kernel.attach(new WorkerSandbox({ id: 'thrower', source }), await kernel.mintToken('thrower', []), {}, FAST);
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'thrower' }]), () => undefined);
    for (let i = 0; i < 5; i++) await rejection(client.call('thrower', 'fail', '', null));
    expect(supervised.state).toBe('running');
    expect(await client.call('thrower', 'ok', '', null)).toBe('alive');
    await kernel.shutdown();
  });

  it('does not stop an extension because one caller stopped waiting', async () => {
    const kernel = await startKernel();
    const source = crashOnCommand.replace("ok: { body: z.unknown(), handle: () => 'alive' },", "ok: { body: z.unknown(), handle: () => 'alive' },\n    slow: { body: z.unknown(), handle: () => { let x = 0; for (let i = 0; i < 3e8; i++) x += i; return x > 0; } },");
    const supervised = await kernel.attach(new WorkerSandbox({ id: 'patient', source }), await kernel.mintToken('patient', []), { timeoutMs: 10_000 }, FAST);
    const client = await kernel.register('client', await kernel.mintToken('client', [{ action: 'call', to: 'patient' }]), () => undefined);
    const impatient = await rejection(client.call('patient', 'slow', '', null, { timeoutMs: 20 }));
    expect(impatient.code).toBe('E_TIMEOUT');
    expect(await client.call('patient', 'ok', '', null)).toBe('alive');
    expect(supervised.state).toBe('running');
    await kernel.shutdown();
    expect(readAudit(kernel.audit.file).some((r) => r.target === 'patient' && r.action === 'endpoint.crash')).toBe(false);
  });
});
