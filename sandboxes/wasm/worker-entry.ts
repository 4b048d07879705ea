/**
 * The worker thread that hosts one Wasm plugin. It runs Extism in-process (so
 * host functions are plain synchronous calls) and can be `terminate()`d by the
 * main thread at any moment, which is how a runaway plugin is stopped.
 *
 * It rebuilds the Extism instance after any trap, and resets Extism's per-call
 * memory every `resetEvery` calls (Extism 1.0.3 fails call 16,384 otherwise).
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import createPlugin, { type Plugin } from '@extism/extism';
import type { WireError } from '../../nanokernel/errors.js';
import type { LogLevel } from '../../nanokernel/sandbox.js';
import { makeHostFunctions, SyncHostChannel, type DeliveryBudget } from './host-functions.js';
import type { FromWorker, ToWorker, WorkerPluginOptions } from './protocol.js';

const port = parentPort!;
const post = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);
const budget: DeliveryBudget = { remainingBytes: 0, hostCalls: 0, violation: null };

let plugin: Plugin | null = null;
let build: (() => Promise<Plugin>) | null = null;
let options: WorkerPluginOptions | null = null;
let callsSinceReset = 0;

port.on('message', (message: ToWorker) => {
  if (message.type === 'init') void init(message);
  else if (message.type === 'deliver') void deliver(message.seq, message.input);
  else if (message.type === 'ping') post({ type: 'pong', seq: message.seq });
});

/** Plugin log lines go to the kernel's log, at most `maxCallsPerSecond` a second. */
function makeLogger(perSecond: number): Console {
  let windowStart = 0;
  let count = 0;
  const emit = (level: LogLevel) => (...args: unknown[]) => {
    const now = Date.now();
    if (now - windowStart >= 1000) [windowStart, count] = [now, 0];
    if (++count > perSecond) return;
    post({ type: 'log', level, message: args.map(String).join(' ').slice(0, 2000) });
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), log: emit('info') } as unknown as Console;
}

async function init(message: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const started = performance.now();
  options = message.options;
  const channel = new SyncHostChannel(message.signal, message.replies, post);
  const functions = makeHostFunctions(channel, budget, options);
  const logger = makeLogger(options.maxCallsPerSecond);
  const { useWasi, allowedPaths, config } = options;
  build = () =>
    createPlugin(
      { wasm: [{ module: message.module }] },
      {
        useWasi,
        allowedPaths: { ...allowedPaths },
        allowedHosts: [],
        enableWasiOutput: false,
        config: { ...config },
        runInWorker: false,
        logger,
        functions,
        fetch: () => Promise.reject(new Error('network is bridged by the host')),
      },
    );
  try {
    plugin = await build();
    if (!(await plugin.functionExists(options.entry))) {
      throw Object.assign(new Error(`the plugin does not export "${options.entry}"`), { code: 'E_NO_TARGET' });
    }
    post({ type: 'ready', ms: performance.now() - started });
  } catch (err) {
    const code = (err as { code?: string }).code === 'E_NO_TARGET' ? 'E_NO_TARGET' : 'E_TARGET_CRASHED';
    post({ type: 'init-failed', error: { code, message: `the plugin failed to start: ${(err as Error).message.slice(0, 300)}` } });
  }
}

async function deliver(seq: number, input: string): Promise<void> {
  if (!plugin || !options || !build) {
    post({ type: 'result', seq, output: null, error: { code: 'E_TARGET_CRASHED', message: 'the plugin is not started' }, trapped: false });
    return;
  }
  if (callsSinceReset >= options.resetEvery) {
    await plugin.reset();
    callsSinceReset = 0;
  }
  callsSinceReset++;
  budget.remainingBytes = options.allocBudgetBytes;
  budget.hostCalls = 0;
  budget.violation = null;
  try {
    const output = await plugin.call(options.entry, input);
    const bytes = output ? output.bytes() : null;
    if (bytes && bytes.byteLength > options.maxBodyBytes) {
      const error: WireError = {
        code: 'E_TOO_LARGE',
        message: `the plugin's output is ${bytes.byteLength} bytes; the limit is ${options.maxBodyBytes}`,
        hint: "raise host.maxBodyBytes in the plugin's policy, or return less",
        facts: { bytes: bytes.byteLength, limit: options.maxBodyBytes },
      };
      post({ type: 'result', seq, output: null, error, trapped: false });
      return;
    }
    const copy = bytes ? bytes.slice() : null;
    post({ type: 'result', seq, output: copy, error: null, trapped: false }, copy ? [copy.buffer as ArrayBuffer] : undefined);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const reported = text.startsWith('Plugin-originated error: ');
    const error: WireError = budget.violation ?? {
      code: 'E_TARGET_CRASHED',
      message: reported ? `the plugin reported an error: ${text.slice(25, 225)}` : `the plugin trapped: ${text.slice(0, 200)}`,
      hint: reported ? 'plugins answer errors as {"error": {...}} output (docs/plugin-abi.md)' : 'the instance was rebuilt; fix the plugin',
      facts: { crashed: !reported },
    };
    const trapped = !reported || budget.violation !== null;
    if (trapped) await rebuild();
    post({ type: 'result', seq, output: null, error, trapped });
  }
}

async function rebuild(): Promise<void> {
  const old = plugin;
  plugin = null;
  callsSinceReset = 0;
  await old?.close().catch(() => undefined);
  plugin = await build!();
}
