import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../../nanokernel/index.js';
import { attachPlugin, client, envelope, readAudit, RecordingPort, sandboxFor, startKernel } from './helpers.js';

describe('Wasm sandbox: deliveries through the kernel', () => {
  let kernel: Kernel;
  let auditFile: string;

  beforeAll(async () => {
    ({ kernel, auditFile } = await startKernel());
    await attachPlugin(kernel, sandboxFor('wordcount'));
    await attachPlugin(kernel, sandboxFor('relay'), [{ action: 'call', to: 'wordcount', ops: ['count'] }]);
  });
  afterAll(() => kernel.shutdown(500));

  it('wordcount counts the words of its body', async () => {
    const user = await client(kernel, 'user-a', [{ action: 'call', to: 'wordcount' }]);
    expect(await user.call('wordcount', 'count', '', 'the quick  brown\nfox')).toEqual({ words: 4, chars: 20 });
    expect(await user.call('wordcount', 'count', '', { text: 'héllo wörld ✓' })).toEqual({ words: 3, chars: 13 });
  });

  it('a plugin error reply comes back with its code', async () => {
    const user = await client(kernel, 'user-b', [{ action: 'call', to: 'wordcount' }]);
    await expect(user.call('wordcount', 'nope', '', 'x')).rejects.toMatchObject({ code: 'E_NO_TARGET', facts: { plugin: 'wordcount' } });
  });

  it('relay calls wordcount through the kernel with its own identity', async () => {
    const user = await client(kernel, 'user-c', [{ action: 'call', to: 'relay' }]);
    const reply = await user.call('relay', 'relay', '', { to: 'wordcount', op: 'count', body: 'one two three' });
    expect(reply).toEqual({ words: 3, chars: 13 });
    const audit = readAudit(auditFile);
    const inner = audit.filter((r) => r.action === 'call' && r.actor === 'relay' && r.target === 'wordcount').at(-1);
    const outer = audit.filter((r) => r.action === 'call' && r.actor === 'user-c' && r.target === 'relay').at(-1);
    expect(inner).toMatchObject({ verdict: 'allow', op: 'count' });
    // a call the plugin makes while handling a message inherits that message's trace
    expect(inner?.trace_id).toBeDefined();
    expect(inner?.trace_id).toBe(outer?.trace_id);
  });

  it('relay round trips: plugin → host function → kernel → plugin', async () => {
    const user = await client(kernel, 'user-e', [{ action: 'call', to: 'relay' }]);
    const started = performance.now();
    for (let i = 0; i < 300; i++) expect(await user.call('relay', 'relay', '', { body: 'a b' })).toEqual({ words: 2, chars: 3 });
    console.log(`wasm: relay→wordcount through the kernel ${(((performance.now() - started) * 1000) / 300).toFixed(0)} µs per round trip`);
  });

  it('relay gets a structured denial, not a trap, when it calls beyond its grant', async () => {
    const user = await client(kernel, 'user-d', [{ action: 'call', to: 'relay' }]);
    await expect(user.call('relay', 'relay', '', { to: 'wordcount', op: 'delete', body: 'x' })).rejects.toMatchObject({ code: 'E_DENIED' });
    const denial = readAudit(auditFile).filter((r) => r.actor === 'relay' && r.verdict === 'deny');
    expect(denial.at(-1)).toMatchObject({ action: 'call', target: 'wordcount', op: 'delete', code: 'E_DENIED' });
    // and relay keeps serving
    expect(await user.call('relay', 'relay', '', { body: 'a b' })).toEqual({ words: 2, chars: 3 });
  });
});

describe('Wasm sandbox: many calls on one instance', () => {
  it('serves 20,000 calls (Extism 1.0.3 fails call 16,384 without reset)', async () => {
    const sandbox = sandboxFor('wordcount');
    await sandbox.start(new RecordingPort('wordcount'));
    try {
      const started = performance.now();
      for (let i = 0; i < 20_000; i++) {
        const reply = (await sandbox.deliver(envelope('wordcount', 'count', `w${i} x y`), 2_000)) as { words: number };
        if (reply.words !== 3) throw new Error(`call ${i} answered ${JSON.stringify(reply)}`);
      }
      const perCallUs = ((performance.now() - started) * 1000) / 20_000;
      console.log(`wasm: 20,000 deliveries, ${perCallUs.toFixed(1)} µs per delivery; worker start ${sandbox.startMs.toFixed(1)} ms`);
      expect(sandbox.spawns).toBe(1);
    } finally {
      await sandbox.stop();
    }
  }, 120_000);

  it('without the periodic reset, call 16,384 traps: the Extism 1.0.3 bug the reset works around', async () => {
    const sandbox = sandboxFor('wordcount', { resetEvery: 1e9 });
    await sandbox.start(new RecordingPort('wordcount'));
    try {
      let failedAt = -1;
      for (let i = 0; i < 17_000 && failedAt < 0; i++) {
        await sandbox.deliver(envelope('wordcount', 'count', 'a b'), 2_000).catch((error: { code: string }) => {
          expect(error.code).toBe('E_TARGET_CRASHED');
          failedAt = i + 1;
        });
      }
      expect(failedAt).toBe(16_384);
      // the trap was contained: the instance was rebuilt and serves again
      expect(await sandbox.deliver(envelope('wordcount', 'count', 'a b'), 2_000)).toEqual({ words: 2, chars: 3 });
    } finally {
      await sandbox.stop();
    }
  }, 120_000);
});

describe('policy data', () => {
  it('reaches the plugin as Extism config, and nothing else does', async () => {
    const configured = sandboxFor('greeter', { data: { greeting: 'bonjour', extra: { a: 1 } } });
    const plain = sandboxFor('greeter');
    await configured.start(new RecordingPort('greeter'));
    await plain.start(new RecordingPort('greeter'));
    try {
      expect(await configured.deliver(envelope('greeter', 'greet', 'Ada'), 1_000)).toBe('bonjour, Ada');
      expect(await plain.deliver(envelope('greeter', 'greet', 'Ada'), 1_000)).toBe('hello, Ada');
    } finally {
      await Promise.all([configured.stop(), plain.stop()]);
    }
  });

  it('refuses more than 64 KiB of data with E_POLICY_INVALID', () => {
    expect(() => sandboxFor('greeter', { data: { big: 'x'.repeat(70_000) } })).toThrow(expect.objectContaining({ code: 'E_POLICY_INVALID' }));
  });
});
