/**
 * Arbitration: one ask → decide with 1, 10 and 50 resolvers, against the bare
 * dispatch cost of the same number of kernel calls (1 call that fans out to N
 * calls). The engine runs in its real SES worker sandbox; the resolvers are
 * in-process endpoints on the same kernel (each with its own minted token and
 * subscribe grant), so 50 resolvers cost 50 registrations, not 50 workers. A
 * second figure runs the same engine code in-process, to split the worker hop
 * from the arbitration work.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { readConfig } from '../extensions/arbitration/config.js';
import { Engine } from '../extensions/arbitration/engine.js';
import { AskBody, AskEvent, ProposeBody } from '../extensions/arbitration/protocol.js';
import type { MessageContext } from '../extensions/sdk/worker/index.js';
import { Kernel, type Envelope, type Port } from '../nanokernel/index.js';
import { projectRoot } from '../sandboxes/compiled-path.js';
import { WorkerSandbox } from '../sandboxes/worker/index.js';
import { measure, row, type BenchFile, type Row } from './harness.js';

const SIZES = [1, 10, 50] as const;
const ENGINE_DATA = (n: number, prefix: string) => ({ resolvers: Array.from({ length: n }, (_, i) => `${prefix}-${i}`), maxDeadlineMs: 4_000, maxPending: 16 });
const RESOLVER_GRANTS = [
  { action: 'subscribe', to: 'decision.ask.*' },
  { action: 'call', to: '*', ops: ['propose'] },
];

/** Register `n` in-process resolvers that propose to `engine` on every ask they hear. */
async function resolvers(kernel: Kernel, prefix: string, n: number, engine: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}`;
    let port: Port | undefined;
    port = await kernel.register(id, await kernel.mintToken(id, RESOLVER_GRANTS), async (envelope: Envelope) => {
      if (envelope.kind !== 'event' || !envelope.to.startsWith('decision.ask.')) return;
      const ask = AskEvent.parse(envelope.body);
      await port!.call(engine, 'propose', ask.questionId, { questionId: ask.questionId, proposal: ask.candidates[i % ask.candidates.length]!, score: i, priority: 0, reason: 'bench' });
    });
    await port.subscribe('decision.ask.*');
  }
}

/** The engine's code behind a plain kernel endpoint (no worker): ops parsed with the same schemas. */
async function inProcessEngine(kernel: Kernel, id: string, n: number, prefix: string): Promise<void> {
  const engine = new Engine(readConfig(ENGINE_DATA(n, prefix)), { now: Date.now, setTimer: setTimeout, clearTimer: (h) => clearTimeout(h as NodeJS.Timeout) }, () => crypto.randomUUID());
  const grants = [{ action: 'publish', to: 'decision.*' }];
  let port: Port | undefined;
  port = await kernel.register(id, await kernel.mintToken(id, grants), (envelope: Envelope) => {
    const ctx = { from: envelope.from, op: envelope.op, resource: envelope.resource, traceId: envelope.trace_id, correlationId: undefined, api: port as unknown as MessageContext['api'] };
    return envelope.op === 'ask' ? engine.ask(AskBody.parse(envelope.body), ctx) : engine.propose(ProposeBody.parse(envelope.body), ctx);
  }, { concurrency: 64 });
}

const run: BenchFile = async (options) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-bench-arb-'));
  const kernel = await Kernel.start({ auditFile: path.join(dir, 'audit.log'), logger: pino({ level: 'silent' }), defaults: { maxCallsPerSecond: 1e9, capacity: 1e6 } });
  const source = readFileSync(path.join(projectRoot(path.dirname(new URL(import.meta.url).pathname)), 'dist', 'extensions', 'arbitration', 'index.js'), 'utf8');
  const asker = await kernel.register('asker', await kernel.mintToken('asker', [{ action: 'call', to: '*' }]), () => undefined);
  const rows: Row[] = [];
  const facts: Record<string, string | number> = {};
  for (const n of SIZES) {
    const engineId = `arb-${n}`;
    const grants = [{ action: 'publish', to: 'decision.*' }];
    const sandbox = new WorkerSandbox({ id: engineId, source, hostGrants: { clock: true, timeoutMs: 10_000, maxCallsPerSecond: 1_000_000 }, data: ENGINE_DATA(n, `res${n}`) });
    await kernel.attach(sandbox, await kernel.mintToken(engineId, grants), { concurrency: 64, timeoutMs: 10_000 });
    await resolvers(kernel, `res${n}`, n, engineId);
    await inProcessEngine(kernel, `arb-inproc-${n}`, n, `inres${n}`);
    await resolvers(kernel, `inres${n}`, n, `arb-inproc-${n}`);
    // The peer: one call whose handler makes n calls, through the same kernel.
    for (let i = 0; i < n; i++) await kernel.register(`echo${n}-${i}`, await kernel.mintToken(`echo${n}-${i}`, []), (env) => env.body);
    let fan: Port | undefined;
    fan = await kernel.register(`fan-${n}`, await kernel.mintToken(`fan-${n}`, [{ action: 'call', to: '*' }]), () =>
      Promise.all(Array.from({ length: n }, (_, i) => fan!.call(`echo${n}-${i}`, 'echo', '', { i, score: i }))),
    );

    const body = { kind: 'ToolResolution', question: 'bench', candidates: ['a', 'b', 'c'], deadlineMs: 4_000, reducer: 'score' };
    const check = (await asker.call(engineId, 'ask', 'ToolResolution', body)) as { closedBy: string; proposals: unknown[] };
    if (check.closedBy !== 'all' || check.proposals.length !== n) throw new Error(`arbitration bench: expected ${n} proposals closing on "all", got ${check.proposals.length} (${check.closedBy})`);
    const [worker, inproc, peer] = await measure(options, {
      [`ask → decide, ${n} resolver(s), engine in worker`]: () => asker.call(engineId, 'ask', 'ToolResolution', body),
      [`ask → decide, ${n} resolver(s), engine in-process`]: () => asker.call(`arb-inproc-${n}`, 'ask', 'ToolResolution', body),
      [`bare dispatch: 1 call fanning out to ${n} call(s)`]: () => asker.call(`fan-${n}`, 'go', '', null),
    });
    rows.push(row(worker!, peer!, `real SES worker engine; ${n} in-process resolver endpoint(s) (own token + subscribe grant each, not workers); closes when all known resolvers answered; 2 publishes + ${n + 1} calls per decision`));
    rows.push(row(inproc!, peer!, `same engine code as a plain endpoint: the arbitration work (publish ask, collect, reduce, publish evidence) without the worker hop`));
    facts[`per-resolver cost in the worker engine, ${n} resolver(s) (µs)`] = Math.round((worker!.medianNs - peer!.medianNs) / n / 100) / 10;
  }
  await kernel.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return { title: 'Arbitration (ask → collect → reduce)', rows, facts };
};
export default run;
