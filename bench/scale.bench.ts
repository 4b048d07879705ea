/**
 * Scale: how the system grows with what it runs.
 *
 * - Boot: `ExtensionHost.start` on policies/default.yaml (kernel, every system
 *   extension in its sandbox) → `stop`, against a bare `Kernel.start` → `shutdown`.
 *   The policy is copied unchanged into a temp dir beside a link to `dist/`, so
 *   its relative paths resolve and the artifacts directory it creates is temporary.
 * - Load time of 1, 10, 50, 100 Wasm plugins started at once (`WasmSandbox` via `attach`).
 * - Memory per Wasm plugin and per worker extension: RSS delta ÷ count.
 * - Messages/s through the kernel with 1, 10, 100 concurrent senders, to an
 *   in-process endpoint (the kernel alone) and to a SES worker extension.
 *
 * The growth of each is stated as a fact, classified from the measurements.
 *
 * @module
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ExtensionHost } from '../cli/runtime/host.js';
import { Kernel, type Port, type Supervised } from '../nanokernel/index.js';
import { WorkerSandbox } from '../sandboxes/worker/index.js';
import { row, summarize, timeOnce, type BenchFile, type Measured, type Row } from './harness.js';
import { BENCH_HOST, ENDPOINT, startSubjects, wordcountSandbox } from './peers/kernel-subjects.js';
import { ROOT } from './peers/wasm-direct.js';

const LOADS = [1, 10, 50, 100] as const;
const SENDERS = [1, 10, 100] as const;
const WORKERS_FOR_MEMORY = 20;

/** "flat", "linear", "sublinear" or "superlinear": how `y` grows from the first point to the last, against `x`. */
export function growth(points: readonly (readonly [number, number])[]): string {
  const [x0, y0] = points[0]!;
  const [x1, y1] = points.at(-1)!;
  const ratio = y1 / y0;
  const scale = x1 / x0;
  const exponent = Math.log(ratio) / Math.log(scale);
  const shape = ratio <= 1.5 ? 'flat' : exponent < 0.8 ? 'sublinear' : exponent <= 1.25 ? 'linear' : 'superlinear';
  return `${shape} (×${ratio.toFixed(2)} for ×${scale} — growth exponent ${exponent.toFixed(2)})`;
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

/** Messages/s from `senders` endpoints each calling `to` in a loop for `ms`. */
async function throughput(ports: readonly Port[], to: string, op: string, body: unknown, ms: number): Promise<number> {
  let done = 0;
  const until = Date.now() + ms;
  await Promise.all(
    ports.map(async (port) => {
      while (Date.now() < until) {
        await port.call(to, op, '', body);
        done++;
      }
    }),
  );
  return (done * 1_000) / ms;
}

const run: BenchFile = async (options) => {
  const rows: Row[] = [];
  const facts: Record<string, string | number> = {};
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-bench-scale-'));
  const silent = pino({ level: 'silent' });
  try {
    // Boot of the default policy, against a bare kernel.
    mkdirSync(path.join(dir, 'policies'));
    copyFileSync(path.join(ROOT, 'policies', 'default.yaml'), path.join(dir, 'policies', 'default.yaml'));
    symlinkSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), 'dir');
    const boots: number[] = [];
    const stops: number[] = [];
    const bare: number[] = [];
    let extensions = 0;
    for (let i = 0; i < (options.quick ? 2 : 5); i++) {
      let host: ExtensionHost | undefined;
      boots.push(await timeOnce(async () => (host = await ExtensionHost.start({ policyFile: path.join(dir, 'policies', 'default.yaml'), auditFile: path.join(dir, `boot-${i}.log`), logger: silent }))));
      extensions = host!.kernel.endpoints().length;
      stops.push(await timeOnce(() => host!.stop()));
      bare.push(await timeOnce(async () => (await Kernel.start({ auditFile: path.join(dir, `bare-${i}.log`), logger: silent })).shutdown()));
    }
    const boot = summarize(`boot: ExtensionHost.start on policies/default.yaml (${extensions} endpoints)`, boots);
    rows.push(row(boot, summarize('bare Kernel.start → shutdown (no extensions)', bare), 'the kernel itself starts in a few ms; boot is the sandboxes: SES workers (lockdown) and Wasm workers, started in parallel'));
    rows.push(row(summarize('stop: ExtensionHost.stop', stops), boot, 'shutdown: drain mailboxes, stop every sandbox, close the audit log'));

    // Wasm plugins: load time and memory.
    const subjects = await startSubjects({ wasm: false, worker: false });
    const { kernel } = subjects;
    const loads: Measured[] = [];
    let serial = 0;
    for (const count of LOADS) {
      const samples: number[] = [];
      for (let r = 0; r < (options.quick || count >= 50 ? 1 : 3); r++) {
        const ids = Array.from({ length: count }, () => `plugin-${++serial}`);
        const tokens = await Promise.all(ids.map((id) => kernel.mintToken(id, [])));
        await settle();
        const rssBefore = rssMb();
        let attached: Supervised[] = [];
        samples.push(await timeOnce(async () => (attached = await Promise.all(ids.map((id, i) => kernel.attach(wordcountSandbox(id, 120_000), tokens[i]!, ENDPOINT))))));
        if (count === LOADS.at(-1)) {
          await settle();
          facts[`memory per Wasm plugin (RSS delta ÷ ${count}, MiB)`] = Math.round(((rssMb() - rssBefore) / count) * 10) / 10;
        }
        await Promise.all(attached.map((s) => s.stop('bench')));
        for (const id of ids) kernel.unregister(id, 'bench');
      }
      loads.push(summarize(`load ${count} Wasm plugin(s) at once`, samples));
    }
    for (const [i, load] of loads.entries()) {
      if (i === 0) rows.push(row(load, undefined, 'one plugin: hash check, compile (cached by content hash after the first), worker start, instance'));
      else rows.push(row(load, loads[0], `${LOADS[i]} plugins: ${(load.medianNs / LOADS[i]! / 1e6).toFixed(1)} ms per plugin on ${cpus().length} cores`));
    }
    facts['Wasm load time growth, 1 → 100 plugins'] = growth(loads.map((m, i) => [LOADS[i]!, m.medianNs]));

    // Worker extensions: memory.
    await settle();
    const rssBefore = rssMb();
    const workers = await Promise.all(
      Array.from({ length: WORKERS_FOR_MEMORY }, async (_, i) => kernel.attach(new WorkerSandbox({ id: `upper-${i}`, source: subjects.workerSource, hostGrants: BENCH_HOST }), await kernel.mintToken(`upper-${i}`, []), ENDPOINT)),
    );
    await settle();
    facts[`memory per worker extension (RSS delta ÷ ${WORKERS_FOR_MEMORY}, MiB)`] = Math.round(((rssMb() - rssBefore) / WORKERS_FOR_MEMORY) * 10) / 10;

    // Messages/s with 1, 10, 100 concurrent senders.
    await kernel.register('echo', await kernel.mintToken('echo', []), (envelope) => envelope.body, { ...ENDPOINT, concurrency: 256 });
    const ms = options.quick ? 300 : 2_000;
    const senders: Port[] = [];
    for (let i = 0; i < SENDERS.at(-1)!; i++) senders.push(await kernel.register(`sender-${i}`, await kernel.mintToken(`sender-${i}`, [{ action: 'call', to: '*' }]), () => undefined, ENDPOINT));
    for (const [target, op, body, label] of [
      ['echo', 'say', 'hi', 'in-process endpoint'],
      ['upper-0', 'upper', { text: 'hi' }, 'SES worker extension'],
    ] as const) {
      await throughput(senders.slice(0, 10), target, op, body, 100); // warm-up
      const perSender: Measured[] = [];
      for (const n of SENDERS) {
        const rate = await throughput(senders.slice(0, n), target, op, body, ms);
        perSender.push({ name: `${n} sender(s) → ${label}: ${Math.round(rate).toLocaleString('en')} msg/s`, medianNs: 1e9 / rate, p99Ns: 1e9 / rate, samples: 1 });
        facts[`messages/s, ${n} sender(s) → ${label}`] = Math.round(rate);
      }
      for (const [i, m] of perSender.entries()) {
        rows.push(i === 0 ? row(m, undefined, `time per message = 1 / throughput; ${label}`) : row(m, perSender[0], `${SENDERS[i]} concurrent senders vs 1: time per message (ratio < 1 = concurrency helps)`));
      }
      facts[`throughput growth, 1 → 100 senders → ${label}`] = growth(perSender.map((m, i) => [SENDERS[i]!, 1e9 / m.medianNs]));
    }
    await Promise.all(workers.map((w) => w.stop('bench')));
    await subjects.close();
    return { title: 'Scale: boot, load, memory, throughput', rows, facts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
export default run;
