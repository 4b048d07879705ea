/**
 * Test helpers for worker sandboxes: a real `Kernel` with a temporary audit
 * file, worker extensions attached to it under real tokens, a driver endpoint
 * to call them from, and readers for the audit file and the operator log.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Kernel, type Port, type Supervised } from '../../../nanokernel/index.js';
import { projectRoot } from '../../../sandboxes/compiled-path.js';
import { WorkerSandbox, type WorkerSandboxOptions } from '../../../sandboxes/worker/index.js';
import { readAudit } from '../../nanokernel/helpers.js';

export const ROOT = projectRoot(path.dirname(new URL(import.meta.url).pathname));

/** The compiled JS of an example extension (run `npm run build:ts` first). */
export function exampleSource(name: string): string {
  return readFileSync(path.join(ROOT, 'dist', 'examples', 'workers', name, 'index.js'), 'utf8');
}

/** A one-op extension in the load format whose `probe` op runs `body` (JS statements). */
export function probeSource(body: string, extra = ''): string {
  return [
    "import { defineExtension, z, KernelError } from '../../extensions/sdk/worker/index.js';",
    extra,
    'export default defineExtension({',
    '  ops: {',
    `    probe: { body: z.unknown(), async handle(input, ctx) { ${body} } },`,
    "    echo: { body: z.unknown(), handle: (input) => input },",
    '  },',
    '});',
  ].join('\n');
}

export interface TestKernel {
  readonly kernel: Kernel;
  readonly dir: string;
  readonly auditFile: string;
  readonly logLines: Record<string, unknown>[];
  /** A plain endpoint allowed to call everything, to drive the extensions. */
  readonly driver: Port;
  attach(options: WorkerSandboxOptions, grants: unknown[], restart?: Record<string, number>): Promise<Supervised>;
  audit(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startKernel(): Promise<TestKernel> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-worker-'));
  const auditFile = path.join(dir, 'audit.log');
  const logLines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const kernel = await Kernel.start({ auditFile, auditSync: true, logger: pino({ level: 'debug' }, stream) });
  const driver = await kernel.register('driver', await kernel.mintToken('driver', [{ action: 'call', to: '*' }, { action: 'publish', to: '*' }]), () => undefined);
  const sandboxes: WorkerSandbox[] = [];
  return {
    kernel,
    dir,
    auditFile,
    logLines,
    driver,
    async attach(options, grants, restart = {}) {
      const sandbox = new WorkerSandbox(options);
      sandboxes.push(sandbox);
      const token = await kernel.mintToken(options.id, grants);
      return kernel.attach(sandbox, token, {}, restart);
    },
    audit: () => readAudit(auditFile),
    async close() {
      await kernel.shutdown(200);
      await Promise.allSettled(sandboxes.map((sandbox) => sandbox.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string; facts?: Record<string, unknown>; hint?: string }> {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)?.slice(0, 200)}`);
  } catch (error) {
    return error as { code?: string; message: string };
  }
}

/** A port for driving a `WorkerSandbox` directly (no kernel): records logs, refuses every kernel call. */
export function recordingPort(id: string): import('../../../nanokernel/index.js').ExtensionPort & { logs: unknown[][] } {
  const logs: unknown[][] = [];
  const refuse = async (): Promise<never> => {
    throw new (await import('../../../nanokernel/index.js')).KernelError('E_DENIED', 'this test port grants nothing');
  };
  return { id, logs, call: refuse, publish: refuse, subscribe: refuse, delegate: refuse, revoke: refuse, log: (...args: unknown[]) => void logs.push(args) };
}

let envelopeCounter = 0;
/** A call envelope from `from` to `to`, as the kernel would stamp it. */
export function callEnvelope(to: string, op: string, body: unknown, from = 'driver'): import('../../../nanokernel/index.js').Envelope {
  envelopeCounter++;
  return { v: 1, id: `e-${envelopeCounter}`, kind: 'call', from, to, op, resource: '', ts: Date.now(), trace_id: 't1', span_id: `s${envelopeCounter}`, body };
}
