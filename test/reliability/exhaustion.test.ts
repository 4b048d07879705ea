/**
 * Resource exhaustion: many senders flood one slow target at once. Rate limits
 * must hold (E_OVERLOADED, "rate limit"), the target's mailbox must stay within
 * its capacity (E_OVERLOADED, "mailbox … full"), every refusal must be in the
 * audit log, and a health-check endpoint must keep answering throughout, with
 * its latency measured while the flood runs.
 */
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Kernel, type KernelError } from '../../nanokernel/index.js';
import { readAudit, tempDir } from '../nanokernel/helpers.js';

const FLOODERS = 50;
const RATE = 20; // calls per second each flooder may make
const CAPACITY = 256; // the slow target's mailbox
const FLOOD_MS = 1_500;
const BURST = 10; // calls each flooder fires per turn of the event loop

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

describe('resource exhaustion', () => {
  it(`${FLOODERS} senders flooding one slow target: rate limits hold, the mailbox stays bounded, health keeps answering`, async () => {
    const auditFile = path.join(tempDir('nk-flood-'), 'audit.log');
    const kernel = await Kernel.start({ auditFile, logger: pino({ level: 'silent' }) });
    let handled = 0;
    await kernel.register('slow', await kernel.mintToken('slow', []), async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      handled++;
      return 'done';
    }, { capacity: CAPACITY, timeoutMs: 60_000 });
    await kernel.register('health', await kernel.mintToken('health', []), () => kernel.health());
    const monitor = await kernel.register('monitor', await kernel.mintToken('monitor', [{ action: 'call', to: 'health' }]), () => undefined);
    const flooders = await Promise.all(
      Array.from({ length: FLOODERS }, async (_, i) => kernel.register(`f${i}`, await kernel.mintToken(`f${i}`, [{ action: 'call', to: 'slow' }]), () => undefined, { maxCallsPerSecond: RATE })),
    );

    const outcome = { ok: 0, rate: 0, full: 0, other: [] as string[] };
    let pending = 0;
    let maxPending = 0;
    const settled: Promise<unknown>[] = [];
    const fire = (index: number) => {
      pending++;
      settled.push(
        flooders[index]!.call('slow', 'work', '', index).then(
          () => void (pending--, outcome.ok++),
          (error: KernelError) => {
            pending--;
            if (error.code === 'E_OVERLOADED' && error.message.includes('rate limit')) outcome.rate++;
            else if (error.code === 'E_OVERLOADED' && error.message.includes('mailbox')) outcome.full++;
            else outcome.other.push(`${error.code}: ${error.message}`);
          },
        ),
      );
    };
    // Sampled from a timer: by then every refusal of the last burst has settled, so `pending`
    // counts only accepted calls not yet answered (queued + running in the slow target).
    const sampler = setInterval(() => (maxPending = Math.max(maxPending, pending)), 5);
    const rss0 = process.memoryUsage().rss;
    let peakRss = rss0;

    const latencies: number[] = [];
    const healthFailures: string[] = [];
    let flooding = true;
    const probe = (async () => {
      while (flooding) {
        const started = performance.now();
        try {
          const health = (await monitor.call('health', 'check', '', null)) as { ok: boolean };
          if (!health.ok) healthFailures.push('not ok');
        } catch (error) {
          healthFailures.push((error as KernelError).code);
        }
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const until = performance.now() + FLOOD_MS;
    const started = performance.now();
    while (performance.now() < until) {
      for (let i = 0; i < FLOODERS; i++) for (let b = 0; b < BURST; b++) fire(i);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsedS = (performance.now() - started) / 1000;
    flooding = false;
    await probe;
    await Promise.all(settled);
    clearInterval(sampler);
    await kernel.shutdown();

    const total = settled.length;
    expect(outcome.other).toEqual([]);
    expect(outcome.ok + outcome.rate + outcome.full).toBe(total); // every call answered, none lost
    expect(handled).toBe(outcome.ok);
    // Rate limits hold: no flooder got more than its bucket (full at start) plus what refilled.
    expect(outcome.ok + outcome.full).toBeLessThanOrEqual(FLOODERS * RATE * (1 + elapsedS) + FLOODERS);
    expect(outcome.rate).toBeGreaterThan(total / 4);
    expect(outcome.full).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(CAPACITY + 1); // the mailbox never grew past its capacity (+1 running)
    // Health answered throughout, ok every time.
    expect(healthFailures).toEqual([]);
    expect(latencies.length).toBeGreaterThan(20);
    const sorted = [...latencies].sort((a, b) => a - b);
    const [p50, p99, max] = [percentile(sorted, 50), percentile(sorted, 99), sorted.at(-1)!];
    expect(p99).toBeLessThan(1_000);

    // Every refusal is evidence: one deny record per E_OVERLOADED, with the reason.
    const records = readAudit(auditFile).filter((r) => r.action === 'call' && r.target === 'slow');
    expect(records.filter((r) => r.verdict === 'deny' && r.code === 'E_OVERLOADED' && r.why === 'rate limit')).toHaveLength(outcome.rate);
    expect(records.filter((r) => r.verdict === 'deny' && r.code === 'E_OVERLOADED' && r.why === undefined)).toHaveLength(outcome.full);
    expect(records.filter((r) => r.verdict === 'allow')).toHaveLength(outcome.ok);
    console.log(
      `[figure] flood: ${total} calls from ${FLOODERS} senders in ${elapsedS.toFixed(1)} s → ${outcome.ok} served, ${outcome.rate} E_OVERLOADED (rate limit), ${outcome.full} E_OVERLOADED (mailbox full); max queued ${maxPending}/${CAPACITY}; ` +
        `health ${latencies.length} checks, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; RSS +${Math.round((peakRss - rss0) / 2 ** 20)} MB`,
    );
  });
});
