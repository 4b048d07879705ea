/**
 * The systems under test, built the way the host builds them: a kernel with
 * the `wordcount` plugin in a `WasmSandbox` and the `uppercase` example in a
 * `WorkerSandbox`, each attached under a minted token, and a `bencher`
 * endpoint allowed to call both. Rate limits are raised out of the way; every
 * call is still token-checked, decided and audited.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseGrants } from '../../capabilities/index.js';
import { Kernel, type Port } from '../../nanokernel/index.js';
import { WasmSandbox } from '../../sandboxes/wasm/index.js';
import { WorkerSandbox } from '../../sandboxes/worker/index.js';
import { pluginFile, ROOT } from './wasm-direct.js';

/** Host grants with limits high enough not to be what is measured. */
export const BENCH_HOST = { memoryMb: 64, timeoutMs: 10_000, maxCallsPerSecond: 1_000_000 } as const;
export const ENDPOINT = { maxCallsPerSecond: 1e9, capacity: 1e6, timeoutMs: 10_000 } as const;

export interface Subjects {
  readonly kernel: Kernel;
  readonly dir: string;
  readonly client: Port;
  /** The `uppercase` worker extension's compiled source. */
  readonly workerSource: string;
  close(): Promise<void>;
}

export function exampleWorkerSource(name: string): string {
  return readFileSync(path.join(ROOT, 'dist', 'examples', 'workers', name, 'index.js'), 'utf8');
}

/**
 * A wordcount sandbox under `id`, not started. Mass starts pass a longer
 * `startTimeoutMs`: 100 worker starts at once on 2 cores exceed the default 5 s.
 */
export function wordcountSandbox(id: string, startTimeoutMs?: number): WasmSandbox {
  const plugin = pluginFile('wordcount');
  return new WasmSandbox({ id, wasmPath: plugin.path, sha256: plugin.sha256, host: BENCH_HOST, ...(startTimeoutMs ? { startTimeoutMs } : {}) });
}

/** Start a kernel with `wordcount` (Wasm) and `uppercase` (worker) attached; `sync` = strict audit. */
export async function startSubjects(options: { wasm?: boolean; worker?: boolean; auditSync?: boolean } = {}): Promise<Subjects> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-bench-'));
  const kernel = await Kernel.start({ auditFile: path.join(dir, 'audit.log'), auditSync: options.auditSync ?? false, logger: pino({ level: 'silent' }), defaults: ENDPOINT });
  const workerSource = exampleWorkerSource('uppercase');
  if (options.wasm !== false) await kernel.attach(wordcountSandbox('wordcount'), await kernel.mintToken('wordcount', []), ENDPOINT);
  if (options.worker !== false) {
    await kernel.attach(new WorkerSandbox({ id: 'uppercase', source: workerSource, hostGrants: BENCH_HOST }), await kernel.mintToken('uppercase', []), ENDPOINT);
  }
  const grants = parseGrants([{ action: 'call', to: 'wordcount', ops: ['count'] }, { action: 'call', to: 'uppercase', ops: ['upper'] }, { action: 'call', to: '*' }]);
  const client = await kernel.register('bencher', await kernel.mintToken('bencher', grants), () => undefined, ENDPOINT);
  return {
    kernel,
    dir,
    client,
    workerSource,
    close: async () => {
      await kernel.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
