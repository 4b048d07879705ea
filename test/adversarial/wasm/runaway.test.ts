/**
 * Hostile plugins that try to hang, starve or crash the host: each must get
 * its exact error code while the kernel and another plugin keep serving, and
 * the crash must be on the audit record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel, Port } from '../../../nanokernel/index.js';
import { attachPlugin, client, readAudit, RecordingPort, rejection, sandboxFor, startKernel, tempDir } from '../../sandboxes/wasm/helpers.js';

describe('runaway Wasm plugins', () => {
  let kernel: Kernel;
  let auditFile: string;
  let user: Port;

  beforeAll(async () => {
    ({ kernel, auditFile } = await startKernel());
    await attachPlugin(kernel, sandboxFor('wordcount'));
    await attachPlugin(kernel, sandboxFor('spin', { host: { timeoutMs: 300 } }));
    await attachPlugin(kernel, sandboxFor('membomb', { host: { memoryMb: 4 } }));
    await attachPlugin(kernel, sandboxFor('bigout', { host: { maxBodyBytes: 64 * 1024 } }));
    await attachPlugin(kernel, sandboxFor('trap'));
    await attachPlugin(kernel, sandboxFor('wasi-exit', { host: { fs: [{ path: tempDir(), mode: 'readwrite' }] } }));
    user = await client(kernel, 'user', [{ action: 'call', to: '*' }]);
  });
  afterAll(() => kernel.shutdown(500));

  const stillServing = async () => expect(await user.call('wordcount', 'count', '', 'still here')).toEqual({ words: 2, chars: 10 });

  it('an infinite loop is stopped at the deadline with E_TIMEOUT, recorded as a crash', async () => {
    const error = await rejection(user.call('spin', 'spin', '', null, { timeoutMs: 300 }));
    expect(error.code).toBe('E_TIMEOUT');
    await stillServing();
    const crash = readAudit(auditFile).find((r) => r.action === 'endpoint.crash' && r.target === 'spin');
    expect(crash).toMatchObject({ verdict: 'info', detail: { sandbox: 'wasm' } });
    await expect.poll(() => user.call('spin', 'ok', '', null, { timeoutMs: 2_000 }), { timeout: 5_000 }).toBe('alive');
  });

  it('memory growth stops at the granted pages', async () => {
    const reply = (await user.call('membomb', 'grow', '', null)) as { pages: number; refusedAt: number };
    expect(reply.pages).toBe(4 * 16);
    expect(reply.refusedAt).toBe(4 * 16);
    await stillServing();
  });

  it('allocating past the cap traps the plugin (E_TARGET_CRASHED), not the host', async () => {
    const error = await rejection(user.call('membomb', 'alloc', '', null));
    expect(error.code).toBe('E_TARGET_CRASHED');
    await stillServing();
  });

  it("asking Extism's host-side allocator for 1 TiB is refused with E_TOO_LARGE", async () => {
    const error = await rejection(user.call('membomb', 'extism', '', null, { timeoutMs: 2_000 }));
    expect(error).toMatchObject({ code: 'E_TOO_LARGE', facts: { bytes: 2 ** 40 } });
    await stillServing();
  });

  it('a huge output is refused with E_TOO_LARGE', async () => {
    const error = await rejection(user.call('bigout', 'emit', '', { bytes: 2 * 1024 * 1024 }));
    expect(error).toMatchObject({ code: 'E_TOO_LARGE', facts: { limit: 64 * 1024 } });
    const small = await user.call('bigout', 'emit', '', { bytes: 10 });
    expect(small).toBe('xxxxxxxxxx');
    const justOver = await rejection(user.call('bigout', 'emit', '', { bytes: 64 * 1024 }));
    expect(justOver).toMatchObject({ code: 'E_TOO_LARGE', facts: { limit: 64 * 1024 } });
    await stillServing();
  });

  it('a trap (unreachable) is E_TARGET_CRASHED and the plugin answers again', async () => {
    const error = await rejection(user.call('trap', 'trap', '', null));
    expect(error).toMatchObject({ code: 'E_TARGET_CRASHED', facts: { crashed: true } });
    await stillServing();
    await expect.poll(() => user.call('trap', 'ok', '', null), { timeout: 5_000 }).toBe('alive');
  });

  it('WASI proc_exit in the middle of a delivery is E_TARGET_CRASHED, contained to the plugin', async () => {
    expect(await user.call('wasi-exit', 'ok', '', null)).toBe('alive');
    const error = await rejection(user.call('wasi-exit', 'exit', '', null));
    expect(error.code).toBe('E_TARGET_CRASHED');
    await stillServing();
    await expect.poll(() => user.call('wasi-exit', 'ok', '', null), { timeout: 5_000 }).toBe('alive');
    expect(kernel.health().ok).toBe(true);
  });
});

describe('a plugin that hangs while starting', () => {
  it('is stopped after startTimeoutMs and the start fails with E_TIMEOUT', async () => {
    const sandbox = sandboxFor('spin-start', { startTimeoutMs: 300 });
    const started = performance.now();
    const error = await rejection(sandbox.start(new RecordingPort('spin-start')));
    expect(error.code).toBe('E_TIMEOUT');
    expect(error.message).toContain('did not start within 300 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
