/**
 * The "direct Extism in a worker" peer, the same shape as our Wasm sandbox's
 * worker (sandboxes/wasm/worker-entry.ts) without the kernel: a bare worker
 * that builds one in-process Extism instance from a compiled module, then
 * answers `{ seq, input }` with `{ seq, output }` (bytes transferred), resetting
 * Extism's per-call memory every 1,000 calls as ours does.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import type { Plugin } from '@extism/extism';
import { createDirectPlugin } from './wasm-direct.js';

const port = parentPort!;
let plugin: Plugin | null = null;
let calls = 0;

port.on('message', (message: { type: 'init'; module: WebAssembly.Module } | { type: 'call'; seq: number; input: string }) => {
  if (message.type === 'init') {
    void createDirectPlugin(message.module, false).then((built) => {
      plugin = built;
      port.postMessage({ type: 'ready' });
    });
    return;
  }
  void (async () => {
    if (++calls % 1_000 === 0) await plugin!.reset();
    const output = await plugin!.call('handle', message.input);
    const bytes = output ? output.bytes().slice() : null;
    port.postMessage({ type: 'result', seq: message.seq, output: bytes }, bytes ? [bytes.buffer as ArrayBuffer] : []);
  })();
});
