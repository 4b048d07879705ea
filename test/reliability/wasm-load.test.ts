/**
 * Load through Wasm plugins, through the real kernel:
 *
 * - 20,000 calls (200,000 with NANOKERNEL_LONG_TESTS=1) from 10 senders to 3
 *   Wasm plugins (two word counters and the greeter): none lost, every reply
 *   right, one `call` allow record per message in the audit file, the chain
 *   verifies; throughput and peak RSS printed.
 * - one plugin instance past Extism 1.0.3's 16,384-call leak: 20,000 calls
 *   (long: 100,000) to one word counter keep being answered (the sandbox resets
 *   the instance every 1,000 calls).
 */
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../nanokernel/index.js';
import { verifyAuditLog } from '../../nanokernel/audit-verify.js';
import type { WasmSandbox } from '../../sandboxes/wasm/index.js';
import { attachPlugin, client, readAudit, sandboxFor, tempDir } from '../sandboxes/wasm/helpers.js';
import { figure, LONG } from '../adversarial/fuzz/harness.js';

/** Samples RSS every 50 ms until stopped; returns the peak in MB. */
function rssSampler(): { stop(): { startMb: number; peakMb: number } } {
  const startMb = process.memoryUsage.rss() / 2 ** 20;
  let peakMb = startMb;
  const timer = setInterval(() => void (peakMb = Math.max(peakMb, process.memoryUsage.rss() / 2 ** 20)), 50);
  return { stop: () => (clearInterval(timer), { startMb, peakMb: Math.max(peakMb, process.memoryUsage.rss() / 2 ** 20) }) };
}

/** Run `total` calls made by `make(i)` with at most `window` in flight. */
async function pump(total: number, window: number, make: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < total) await make(next++);
    }),
  );
}

describe('load through Wasm plugins', () => {
  let kernel: Kernel;
  let auditFile: string;
  const sandboxes: WasmSandbox[] = [];

  beforeAll(async () => {
    auditFile = path.join(tempDir('nk-wasm-load-'), 'audit.log');
    kernel = await Kernel.start({ auditFile, logger: pino({ level: 'silent' }), defaults: { capacity: 10_000, timeoutMs: 10_000 } });
    for (const [id, plugin, data] of [['wordcount', 'wordcount', undefined], ['wc2', 'wordcount', undefined], ['greeter', 'greeter', { greeting: 'Hi' }]] as const) {
      const sandbox = sandboxFor(plugin, { id, host: { maxCallsPerSecond: 1_000_000, timeoutMs: 10_000 }, ...(data ? { data } : {}) });
      sandboxes.push(sandbox);
      await attachPlugin(kernel, sandbox, [], 10_000);
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.stop()));
    if (kernel?.audit.healthy) await kernel.shutdown(500);
  });

  it('10 senders → 3 Wasm plugins: nothing lost, every decision audited, the chain verifies', async () => {
    const SENDERS = 10;
    const PER_SENDER = LONG ? 20_000 : 2_000;
    const targets = ['wordcount', 'wc2', 'greeter'];
    const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => client(kernel, `load${i}`, targets.map((to) => ({ action: 'call', to })))));
    const greeting = (await senders[0]!.call('greeter', 'greet', '', 'x')) as string; // what the greeter answers for "x"
    const seqBefore = kernel.audit.seq;
    const wrong: string[] = [];
    const failed = new Map<string, number>();
    let answered = 0;
    const rss = rssSampler();
    const started = performance.now();
    await Promise.all(
      senders.map((sender, s) =>
        pump(PER_SENDER, 8, async (i) => {
          const to = targets[(s + i) % 3]!;
          const text = `s${s} m${i}`;
          try {
            const reply = await sender.call(to, to === 'greeter' ? 'greet' : 'count', '', to === 'greeter' ? 'x' : text, { timeoutMs: 10_000 });
            const right = to === 'greeter' ? reply === greeting : (reply as { words: number; chars: number }).words === 2 && (reply as { chars: number }).chars === text.length;
            if (right) answered++;
            else wrong.push(`${to}: ${JSON.stringify(reply)}`);
          } catch (error) {
            const code = String((error as { code?: string }).code);
            failed.set(code, (failed.get(code) ?? 0) + 1);
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const memory = rss.stop();
    const total = SENDERS * PER_SENDER;
    expect(Object.fromEntries(failed)).toEqual({});
    expect(wrong).toEqual([]);
    expect(answered).toBe(total);
    kernel.audit.flush();
    const records = readAudit(auditFile).filter((r) => r.seq !== undefined && Number(r.seq) > seqBefore && r.action === 'call' && String(r.actor).startsWith('load'));
    expect(records.filter((r) => r.verdict === 'allow').length).toBe(total);
    expect(records.filter((r) => r.verdict !== 'allow').length).toBe(0);
    const verified = await verifyAuditLog(auditFile);
    expect(verified.ok).toBe(true);
    figure('wasm load: calls (10 senders → 3 Wasm plugins) / lost / audit allow records', `${total} / ${total - answered} / ${records.length}`);
    figure('wasm load: throughput', `${Math.round(total / seconds)}/s`);
    figure('wasm load: RSS start → peak (MB, 3 plugin workers)', `${Math.round(memory.startMb)} → ${Math.round(memory.peakMb)}`);
  }, LONG ? 600_000 : 60_000);

  it('one plugin instance past Extism\'s 16,384-call leak keeps answering', async () => {
    const CALLS = LONG ? 100_000 : 20_000;
    const sender = await client(kernel, 'marathon', [{ action: 'call', to: 'wordcount' }]);
    let answered = 0;
    const failed = new Map<string, number>();
    const started = performance.now();
    await pump(CALLS, 8, async (i) => {
      try {
        const reply = (await sender.call('wordcount', 'count', '', `call ${i}`, { timeoutMs: 10_000 })) as { words: number };
        if (reply.words === 2) answered++;
      } catch (error) {
        const code = String((error as { code?: string }).code);
        failed.set(code, (failed.get(code) ?? 0) + 1);
      }
    });
    expect(Object.fromEntries(failed)).toEqual({});
    expect(answered).toBe(CALLS);
    expect(await sender.call('wordcount', 'count', '', 'still here')).toEqual({ words: 2, chars: 10 });
    figure('wasm marathon: calls to one plugin instance answered (Extism leak at 16,384)', `${answered} / ${CALLS} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, LONG ? 600_000 : 60_000);
});
