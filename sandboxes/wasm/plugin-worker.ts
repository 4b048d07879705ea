/**
 * One worker thread hosting one plugin instance, seen from the main thread:
 * spawn and handshake, deliveries by sequence number, host calls answered over
 * the sync channel, and `terminate()` — the one way to stop code that will not
 * stop. If the worker dies, every pending promise rejects with
 * `E_TARGET_CRASHED`, and `onExit` is told why.
 *
 * @module
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { KernelError, fromWire } from '../../nanokernel/errors.js';
import type { LogLevel } from '../../nanokernel/sandbox.js';
import { compiledUrl } from '../compiled-path.js';
import type { FromWorker, HostFunction, HostResponse, ToWorker, WorkerPluginOptions } from './protocol.js';

export type DeliveryResult = Extract<FromWorker, { type: 'result' }>;

/** What the owner of a worker is told. */
export interface PluginWorkerEvents {
  onHost(fn: HostFunction, request: unknown): Promise<HostResponse>;
  onLog(level: LogLevel, message: string): void;
  /** The worker died without being asked to (trap in start-up code, OOM, exit). */
  onExit(reason: string): void;
}

interface Pending {
  resolve(value: DeliveryResult | undefined): void;
  reject(error: KernelError): void;
}

export class PluginWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #closing = false;
  #dead: KernelError | null = null;
  /** Milliseconds the worker took to build its first instance. */
  startMs = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Start a worker for `module`; rejects with E_TIMEOUT if it is not ready in `startTimeoutMs`. */
  static async spawn(module: WebAssembly.Module, options: WorkerPluginOptions, resourceLimits: Worker['resourceLimits'], events: PluginWorkerEvents, startTimeoutMs: number): Promise<PluginWorker> {
    const worker = new Worker(compiledUrl(import.meta.url, './worker-entry.js'), { resourceLimits: resourceLimits ?? {}, env: {}, execArgv: ['--no-warnings'] });
    const self = new PluginWorker(worker);
    const { port1: replies, port2: workerReplies } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const flag = new Int32Array(signal);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new KernelError('E_TIMEOUT', `the plugin did not start within ${startTimeoutMs} ms`, { hint: 'remove long-running start-up code' })), startTimeoutMs);
      self.#onReady = (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
    });
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          self.startMs = message.ms;
          return self.#onReady?.(null);
        case 'init-failed':
          return self.#onReady?.(fromWire(message.error));
        case 'result':
        case 'pong':
          return self.#settle(message.seq, message.type === 'result' ? message : undefined);
        case 'log':
          return events.onLog(message.level, message.message);
        case 'host':
          return void events
            .onHost(message.fn, message.request)
            .catch((err: unknown): HostResponse => ({ ok: false, error: fromWire(err).toWire() }))
            .then((response) => {
              try {
                replies.postMessage(response);
              } catch {
                replies.postMessage({ ok: false, error: { code: 'E_BAD_ENVELOPE', message: 'the reply cannot be passed to a Wasm plugin' } });
              }
              Atomics.store(flag, 0, 1);
              Atomics.notify(flag, 0);
            });
      }
    });
    const died = (reason: string) => {
      if (self.#dead) return;
      self.#dead = new KernelError('E_TARGET_CRASHED', `the plugin's worker ${self.#closing ? 'was stopped' : `died: ${reason}`}`, {
        facts: { crashed: !self.#closing },
        hint: self.#closing ? 'the sandbox was stopped or restarted' : 'the plugin is being restarted; fix the plugin if this repeats',
      });
      self.#onReady?.(self.#dead);
      for (const pending of self.#pending.values()) pending.reject(self.#dead);
      self.#pending.clear();
      replies.close();
      if (!self.#closing) events.onExit(reason);
    };
    worker.on('error', (err) => died(`${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message.slice(0, 200)}`));
    worker.on('exit', (code) => died(`exit code ${code}`));
    const init: ToWorker = { type: 'init', module, options, replies: workerReplies, signal };
    worker.postMessage(init, [workerReplies]);
    try {
      await ready;
    } catch (err) {
      await self.terminate();
      throw err;
    }
    return self;
  }

  #onReady: ((error: KernelError | null) => void) | null = null;

  /** Run one delivery; resolves with the worker's result, rejects E_TARGET_CRASHED if the worker dies. */
  deliver(input: string): Promise<DeliveryResult> {
    return this.#send((seq) => ({ type: 'deliver', seq, input })) as Promise<DeliveryResult>;
  }

  /** Resolves when the worker's event loop answers (it cannot while a plugin runs). */
  async ping(): Promise<void> {
    await this.#send((seq) => ({ type: 'ping', seq }));
  }

  /** Stop the worker now, whatever it is doing. */
  async terminate(): Promise<void> {
    this.#closing = true;
    await this.#worker.terminate();
  }

  #send(make: (seq: number) => ToWorker): Promise<DeliveryResult | undefined> {
    if (this.#dead) return Promise.reject(this.#dead);
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#worker.postMessage(make(seq));
    });
  }

  #settle(seq: number, result: DeliveryResult | undefined): void {
    const pending = this.#pending.get(seq);
    this.#pending.delete(seq);
    pending?.resolve(result);
  }
}
