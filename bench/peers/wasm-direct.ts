/**
 * The direct-Extism peers: the `wordcount` plugin called with `@extism/extism`
 * and nothing of ours in between — in-process, with Extism's `runInWorker`, or
 * (extism-worker.ts) inside a bare worker of the same shape as our sandbox's.
 * The input is the delivery JSON our sandbox would hand `handle` (docs/plugin-abi.md),
 * so both sides do the same Wasm work.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import createPlugin, { type Plugin } from '@extism/extism';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, from either bench/peers or dist/bench/peers. */
export const ROOT = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** A built plugin of dist/plugins with its pinned hash. */
export function pluginFile(name: string): { path: string; bytes: Uint8Array; sha256: string } {
  const file = path.join(ROOT, 'dist', 'plugins', `${name}.wasm`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first`);
  const bytes = readFileSync(file);
  return { path: file, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** `wordcount` imports `nk_call`; op `count` never calls it, so a stub that answers 0 suffices. */
const STUB_FUNCTIONS = { 'extism:host/user': { nk_call: () => 0n } };

/** One Extism instance of `source` with no grants, as a direct user of the SDK would build it. */
export function createDirectPlugin(source: WebAssembly.Module | Uint8Array, runInWorker: boolean): Promise<Plugin> {
  const wasm = source instanceof WebAssembly.Module ? { module: source } : { data: source };
  return createPlugin({ wasm: [wasm] }, { useWasi: false, runInWorker, functions: STUB_FUNCTIONS, logger: console });
}

/** The JSON `handle` receives for a `count` call with `body` (what our sandbox encodes). */
export function deliveryInput(body: unknown, seq = 0): string {
  return JSON.stringify({
    v: 1,
    id: `bench-${seq}`,
    kind: 'call',
    from: 'bencher',
    to: 'wordcount',
    op: 'count',
    resource: '',
    ts: Date.now(),
    trace_id: '0123456789abcdef0123456789abcdef',
    span_id: '0123456789abcdef',
    body,
  });
}

/** `handle` of `plugin`, resetting Extism's per-call memory every 1,000 calls (Extism 1.0.3 fails call 16,384). */
export function resettingCall(plugin: Plugin): (input: string) => ReturnType<Plugin['call']> {
  let calls = 0;
  return async (input) => {
    if (++calls % 1_000 === 0) await plugin.reset();
    return plugin.call('handle', input);
  };
}

/** The same, answering the output as text (what a direct user of the SDK reads). */
export function resettingCaller(plugin: Plugin): (input: string) => Promise<string> {
  const call = resettingCall(plugin);
  return async (input) => (await call(input))?.text() ?? '';
}

/** The bare worker of extism-worker.ts, running `module`; resolves once its instance is built. */
export async function startExtismWorker(module: WebAssembly.Module): Promise<{ call(input: string): Promise<Uint8Array | null>; terminate(): Promise<number> }> {
  const worker = new Worker(new URL('./extism-worker.js', import.meta.url), { execArgv: ['--no-warnings'] });
  const pending = new Map<number, (output: Uint8Array | null) => void>();
  let seq = 0;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { type: 'ready' } | { type: 'result'; seq: number; output: Uint8Array | null }) => {
      if (message.type === 'ready') return resolve();
      const settle = pending.get(message.seq);
      pending.delete(message.seq);
      settle?.(message.output);
    });
  });
  worker.postMessage({ type: 'init', module });
  await ready;
  return {
    call: (input) =>
      new Promise((resolve) => {
        pending.set(++seq, resolve);
        worker.postMessage({ type: 'call', seq, input });
      }),
    terminate: () => worker.terminate(),
  };
}
