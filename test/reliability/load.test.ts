/**
 * Load: many messages across 20 senders and 5 receivers, then through real SES
 * worker extensions. Nothing may be lost, each sender's order must hold at every
 * receiver, every decision must be in the audit log (call records = messages),
 * the chain must verify, and memory must stay bounded (peak RSS sampled and printed).
 *
 * CI: 100,000 in-process messages and 10,000 through workers.
 * `NANOKERNEL_LONG_TESTS=1`: 1,000,000 in-process and 100,000 through workers.
 */
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ExtensionHost } from '../../cli/runtime/host.js';
import { Kernel, verifyAuditLog, type Port } from '../../nanokernel/index.js';
import { tempDir } from '../nanokernel/helpers.js';

const LONG = process.env.NANOKERNEL_LONG_TESTS === '1';
const IN_PROCESS = LONG ? 1_000_000 : 100_000;
const THROUGH_WORKERS = LONG ? 100_000 : 10_000;
const SENDERS = 20;
const RECEIVERS = 5;
/** Outstanding calls per sender; each sender keeps this many in flight. */
const WINDOW = 256;
/** Generous: the CI run peaks well under this; a leak of one record or envelope per message would not. */
const RSS_LIMIT_MB = LONG ? 1_500 : 1_024;

const quiet = pino({ level: 'silent' });

/** Peak RSS while `run` runs, sampled every 25 ms. */
async function peakRss<T>(run: () => Promise<T>): Promise<{ value: T; peakMb: number; startMb: number }> {
  const startMb = process.memoryUsage().rss / 2 ** 20;
  let peak = startMb;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20)), 25);
  try {
    const value = await run();
    peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
    return { value, peakMb: Math.round(peak), startMb: Math.round(startMb) };
  } finally {
    clearInterval(timer);
  }
}

/** Count `call` records per verdict by streaming the file (it can be hundreds of MB). */
async function countCalls(file: string, targets: ReadonlySet<string>): Promise<{ allow: number; deny: number }> {
  const counts = { allow: 0, deny: 0 };
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (!line.includes('"action":"call"')) continue;
    const record = JSON.parse(line) as { verdict: string; target: string };
    if (targets.has(record.target)) counts[record.verdict === 'allow' ? 'allow' : 'deny']++;
  }
  return counts;
}

/** Each sender sends `perSender` numbered messages round-robin to `receivers`, `WINDOW` in flight. */
async function drive(senders: readonly Port[], receivers: readonly string[], perSender: number, body: (n: number) => unknown, window = WINDOW): Promise<number> {
  let answered = 0;
  await Promise.all(
    senders.map(async (sender) => {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < perSender) {
          const n = next++;
          await sender.call(receivers[n % receivers.length]!, 'take', '', body(n));
          answered++;
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    }),
  );
  return answered;
}

describe('load', () => {
  it(`${IN_PROCESS.toLocaleString('en-US')} messages, ${SENDERS} senders → ${RECEIVERS} receivers in-process: 0 lost, order kept, every decision audited, RSS bounded`, async () => {
    const dir = tempDir('nk-load-');
    const auditFile = path.join(dir, 'audit.log');
    const kernel = await Kernel.start({ auditFile, logger: quiet, defaults: { capacity: SENDERS * WINDOW, maxCallsPerSecond: 100_000_000 } });
    const receivers = Array.from({ length: RECEIVERS }, (_, i) => `r${i}`);
    // Per receiver, per sender: the last number seen, and violations of order.
    const last = new Map<string, number>();
    let received = 0;
    let outOfOrder = 0;
    for (const name of receivers) {
      await kernel.register(name, await kernel.mintToken(name, []), (envelope) => {
        const key = `${name}<${envelope.from}`;
        const n = envelope.body as number;
        if (n <= (last.get(key) ?? -1)) outOfOrder++;
        last.set(key, n);
        received++;
        return n;
      });
    }
    const senders = await Promise.all(
      Array.from({ length: SENDERS }, async (_, i) => kernel.register(`s${i}`, await kernel.mintToken(`s${i}`, receivers.map((to) => ({ action: 'call', to }))), () => undefined)),
    );
    const started = performance.now();
    const { value: answered, peakMb, startMb } = await peakRss(() => drive(senders, receivers, IN_PROCESS / SENDERS, (n) => n));
    const seconds = (performance.now() - started) / 1000;
    await kernel.shutdown();

    expect(answered).toBe(IN_PROCESS);
    expect(received).toBe(IN_PROCESS); // 0 lost
    expect(outOfOrder).toBe(0);
    expect(last.size).toBe(SENDERS * RECEIVERS);
    expect(kernel.deadLetters()).toHaveLength(0);
    const calls = await countCalls(auditFile, new Set(receivers));
    expect(calls).toEqual({ allow: IN_PROCESS, deny: 0 });
    const verified = await verifyAuditLog(auditFile);
    expect(verified.ok).toBe(true);
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    console.log(`[figure] load in-process: ${IN_PROCESS} messages in ${seconds.toFixed(1)} s (${Math.round(IN_PROCESS / seconds)}/s), lost 0, out of order 0, audit call records ${calls.allow}, chain verified (${verified.records} records), RSS ${startMb} → peak ${peakMb} MB`);
    rmSync(dir, { recursive: true, force: true });
  }, LONG ? 600_000 : 60_000);

  it(`${THROUGH_WORKERS.toLocaleString('en-US')} messages through ${RECEIVERS} real worker extensions: 0 lost, order kept, every decision audited`, async () => {
    const dir = tempDir('nk-load-workers-');
    const auditFile = path.join(dir, 'audit.log');
    writeFileSync(
      path.join(dir, 'collector.js'),
      [
        "import { defineExtension, z } from '../../extensions/sdk/worker/index.js';",
        'const last = new Map();',
        'let count = 0;',
        'let outOfOrder = 0;',
        'export default defineExtension({',
        '  ops: {',
        '    take: { body: z.object({ n: z.number().int() }).strict(), handle({ n }, ctx) {',
        '      const prev = last.get(ctx.from);',
        '      if (prev !== undefined && n <= prev) outOfOrder++;',
        '      last.set(ctx.from, n); count++; return n; } },',
        '    stats: { body: z.unknown(), handle: () => ({ count, outOfOrder, senders: last.size }) },',
        '  },',
        '});',
        '',
      ].join('\n'),
    );
    const receivers = Array.from({ length: RECEIVERS }, (_, i) => `w${i}`);
    const policy = ['version: 1', 'extensions:'];
    for (const id of receivers) policy.push(`  ${id}:`, '    sandbox: worker', '    module: ./collector.js', '    why: counts what it receives, per sender', '    host: { maxCallsPerSecond: 1000000 }');
    for (let i = 0; i < SENDERS; i++) policy.push(`  p${i}:`, '    sandbox: host', '    why: a load sender', '    host: { maxCallsPerSecond: 1000000 }', '    allow:', ...receivers.map((id) => `      - call: ${id}`));
    writeFileSync(path.join(dir, 'policy.yaml'), `${policy.join('\n')}\n`);
    const host = await ExtensionHost.start({ policyFile: path.join(dir, 'policy.yaml'), auditFile, logger: quiet });
    try {
      const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => host.principal(`p${i}`)));
      const started = performance.now();
      const { value: answered, peakMb } = await peakRss(() => drive(senders, receivers, THROUGH_WORKERS / SENDERS, (n) => ({ n }), 32)); // 20 × 32 in flight stays under the host's 1,024-message mailboxes
      const seconds = (performance.now() - started) / 1000;
      expect(answered).toBe(THROUGH_WORKERS);
      const stats = (await Promise.all(receivers.map((id) => senders[0]!.call(id, 'stats', '', null)))) as { count: number; outOfOrder: number; senders: number }[];
      expect(stats.reduce((sum, s) => sum + s.count, 0)).toBe(THROUGH_WORKERS); // 0 lost
      expect(stats.every((s) => s.outOfOrder === 0 && s.senders === SENDERS)).toBe(true);
      await host.stop();
      const calls = await countCalls(auditFile, new Set(receivers));
      expect(calls).toEqual({ allow: THROUGH_WORKERS + RECEIVERS, deny: 0 }); // + the stats calls
      expect((await verifyAuditLog(auditFile)).ok).toBe(true);
      console.log(`[figure] load through workers: ${THROUGH_WORKERS} messages in ${seconds.toFixed(1)} s (${Math.round(THROUGH_WORKERS / seconds)}/s), lost 0, out of order 0, audit call records ${calls.allow}, peak RSS ${peakMb} MB`);
    } finally {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, LONG ? 600_000 : 60_000);
});
