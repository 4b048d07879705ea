/**
 * `WasmSandbox`: runs one Extism plugin in a worker thread of its own, so the
 * host can always stop it. Deliveries go one at a time through a mailbox; each
 * has a deadline after which the worker is terminated and the delivery rejected
 * with `E_TIMEOUT`. Traps and worker deaths reject the delivery with
 * `E_TARGET_CRASHED` and `facts.crashed`. Restarting (backoff, jitter, the
 * circuit breaker, the audit records) is the kernel supervisor's job, the same
 * for every sandbox kind: `stop()` then `start()` re-reads and re-checks the
 * plugin file and builds a fresh worker. Host calls reach the kernel through the
 * `ExtensionPort` given to `start`, inside the async context of the delivery.
 *
 * @module
 */
import { AsyncResource } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Envelope } from '../../nanokernel/envelope.js';
import { KernelError, fromWire } from '../../nanokernel/errors.js';
import type { ExtensionPort, Sandbox } from '../../nanokernel/sandbox.js';
import { createHostBridge, type HostBridge, type HostCallScope } from './host-bridge.js';
import { loadWasmPlugin, type LoadedPlugin } from './load-module.js';
import { configFromData, wasmLimitsFromGrants, type WasmLimits } from './limits.js';
import { Mailbox } from './mailbox.js';
import { decodeRaw, decodeReply, encodeDelivery, encodeRaw } from './plugin-io.js';
import { PluginWorker } from './plugin-worker.js';
import type { WasmSandboxOptions } from './options.js';

export class WasmSandbox implements Sandbox {
  readonly kind = 'wasm' as const;
  readonly id: string;
  readonly limits: WasmLimits;
  readonly #options: WasmSandboxOptions;
  readonly #config: Readonly<Record<string, string>>;
  readonly #mailbox = new Mailbox();
  readonly #crashListeners: ((reason: string) => void)[] = [];
  #plugin: LoadedPlugin | null = null;
  #port: ExtensionPort | null = null;
  #bridge: HostBridge | null = null;
  #worker: PluginWorker | null = null;
  #spawning: Promise<PluginWorker> | null = null;
  #scope: (HostCallScope & { resource: AsyncResource }) | null = null;
  #stopped = false;
  #crashReported = false;
  /** Workers built so far (1 after start; more after restarts). */
  spawns = 0;

  /**
   * @example
   * const sandbox = new WasmSandbox({ id: 'wordcount', wasmPath: 'dist/plugins/wordcount.wasm', sha256 });
   * await sandbox.start(port);
   * await sandbox.deliver(envelope, 1_000); // { words: 2, chars: 11 }
   */
  constructor(options: WasmSandboxOptions) {
    this.id = options.id;
    this.#options = options;
    this.limits = wasmLimitsFromGrants(options.host ?? {}, options.baseDir);
    this.#config = configFromData(options.id, options.data);
  }

  /** The sha256 the policy pins; `start` refuses a file with any other. */
  get moduleSha256(): string {
    return this.#options.sha256;
  }

  /** The loaded plugin (hash, declared permissions), once started. */
  get plugin(): LoadedPlugin | null {
    return this.#plugin;
  }

  /** Milliseconds the current worker took to build its instance. */
  get startMs(): number {
    return this.#worker?.startMs ?? 0;
  }

  async start(port: ExtensionPort): Promise<void> {
    if (port.id !== this.id) throw new KernelError('E_POLICY_INVALID', `sandbox ${this.id} was given the port of ${port.id}`);
    this.#plugin = await loadWasmPlugin(this.#options.wasmPath, this.#options.sha256, this.limits);
    this.#port = port;
    this.#bridge = createHostBridge(port, this.limits);
    if (this.limits.unmappedReadOnly.length > 0) {
      port.log('warn', 'read-only file grants are not available to Wasm plugins', { paths: this.limits.unmappedReadOnly.length });
    }
    this.#stopped = false;
    this.#crashReported = false;
    await this.#ready();
  }

  async deliver(envelope: Envelope, timeoutMs: number): Promise<unknown> {
    if (this.#stopped || !this.#plugin) throw this.#stoppedError();
    const raw = this.#options.abi === 'raw';
    const input = raw ? encodeRaw(envelope, this.limits.maxBodyBytes) : encodeDelivery(envelope, this.limits.maxBodyBytes);
    const callerDeadline = envelope.deadline ?? Date.now() + timeoutMs;
    return this.#mailbox.run(callerDeadline, timeoutMs, envelope, (expired, killAt) => this.#deliverNow(envelope, input, killAt, expired, raw), () => {
      if (this.#scope) this.#kill('timeout');
    });
  }

  async #deliverNow(envelope: Envelope, input: string, deadline: number, expired: () => boolean, raw: boolean): Promise<unknown> {
    const worker = await this.#ready();
    if (expired()) return undefined;
    this.#scope = { deadline, resource: new AsyncResource('nanokernel.wasm.delivery') };
    try {
      const result = await worker.deliver(input);
      if (result.error) throw fromWire(result.error);
      return raw ? decodeRaw(this.id, result.output) : decodeReply(this.id, result.output, envelope.kind);
    } finally {
      this.#scope = null;
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    if (this.#stopped || !this.#plugin) throw this.#stoppedError();
    const timeout = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const answer = this.#ready().then((worker) => worker.ping());
    if ((await Promise.race([answer, timeout])) === 'timeout') {
      answer.catch(() => undefined);
      throw new KernelError('E_TIMEOUT', `plugin ${this.id} did not answer a ping within ${timeoutMs} ms`, { facts: { plugin: this.id } });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  onCrash(listener: (reason: string) => void): void {
    this.#crashListeners.push(listener);
  }

  /** The current worker, or a new one once the backoff delay has passed. */
  async #ready(): Promise<PluginWorker> {
    if (this.#worker) return this.#worker;
    this.#spawning ??= this.#spawn().finally(() => (this.#spawning = null));
    return this.#spawning;
  }

  async #spawn(): Promise<PluginWorker> {
    if (this.#stopped || !this.#plugin) throw this.#stoppedError();
    const { module } = this.#plugin;
    const options = { ...this.limits, config: this.#config, entry: this.#options.entry ?? 'handle', resetEvery: this.#options.resetEvery ?? 1_000 };
    const bridge = this.#bridge!;
    const worker = await PluginWorker.spawn(module, options, this.limits.resourceLimits, {
      onHost: (fn, request) => {
        const scope = this.#scope;
        return scope ? scope.resource.runInAsyncScope(() => bridge(fn, request, scope)) : bridge(fn, request, null);
      },
      onLog: (level, message) => this.#port?.log(level, message, { source: 'wasm-plugin' }),
      onExit: (reason) => this.#onWorkerDeath(worker, reason),
    }, this.#options.startTimeoutMs ?? 5_000);
    this.spawns++;
    if (this.#stopped) await worker.terminate();
    else this.#worker = worker;
    return worker;
  }

  /** Stop runaway code: terminate the worker and rebuild later. */
  #kill(reason: string): void {
    const worker = this.#worker;
    this.#worker = null;
    this.#scope = null; // host calls still in flight from the killed delivery are refused
    void worker?.terminate();
    this.#port?.log('warn', `wasm plugin stopped (${reason})`, { plugin: this.id, reason });
  }

  #onWorkerDeath(worker: PluginWorker, reason: string): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    this.#port?.log('error', 'wasm plugin worker died', { plugin: this.id, reason });
    if (this.#mailbox.busy || this.#crashReported) return;
    this.#crashReported = true;
    for (const listener of this.#crashListeners) listener(reason);
  }

  #stoppedError(): KernelError {
    return new KernelError('E_TARGET_CRASHED', `plugin ${this.id} is not running`, {
      facts: { plugin: this.id },
      hint: 'start the sandbox before delivering to it',
    });
  }
}
