/**
 * One sandbox thread on the host side: creates the `Worker` with its resource
 * limits and no ambient inputs (`env: {}`, no argv or execArgv, stdout/stderr
 * piped to the host rather than inherited), wires the two comlink channels
 * through guarded endpoints, and reports how the thread ended.
 *
 * A thread boots without an extension (SES lockdown, SDK, zod), so it can be
 * prestarted; the kernel channel is served by whatever bridge is attached later.
 *
 * @module
 */
import { MessageChannel, Worker, type ResourceLimits } from 'node:worker_threads';
import { expose, wrap, type Remote } from 'comlink';
import { KernelError } from '../../nanokernel/errors.js';
import { compiledUrl } from '../compiled-path.js';
import { guardedEndpoint } from './guarded-endpoint.js';
import { KERNEL_METHODS, type BootData, type KernelApi, type WorkerApi } from './protocol.js';
import { installKernelErrorTransfer } from './transfer.js';

/** How a thread ended, in words fit for `onCrash` and error facts. */
export type ExitListener = (reason: string) => void;

/** Most characters of the thread's own stdout/stderr forwarded per chunk. */
const MAX_OUTPUT_CHUNK = 1_000;

/** A booted (or booting) sandbox thread. */
export class WorkerThread {
  readonly worker: Worker;
  readonly remote: Remote<WorkerApi>;
  #bridge: KernelApi | undefined;
  #exitReason: string | undefined;
  #error: Error | undefined;
  #exited = false;
  readonly #exitListeners = new Set<ExitListener>();

  private constructor(limits: ResourceLimits, onOutput: (stream: 'stdout' | 'stderr', text: string) => void) {
    installKernelErrorTransfer();
    const control = new MessageChannel();
    const kernel = new MessageChannel();
    const workerData: BootData = { controlPort: control.port2, kernelPort: kernel.port2 };
    this.worker = new Worker(compiledUrl(import.meta.url, './thread/main.js'), {
      workerData,
      transferList: [control.port2, kernel.port2],
      resourceLimits: limits,
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
      stdin: false,
      trackUnmanagedFds: true,
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      this.worker[stream].setEncoding('utf8');
      this.worker[stream].on('data', (chunk: string) => onOutput(stream, chunk.slice(0, MAX_OUTPUT_CHUNK)));
    }
    this.remote = wrap<WorkerApi>(guardedEndpoint(control.port1, 'call'));
    const table = Object.fromEntries(
      KERNEL_METHODS.map((name) => [
        name,
        (...args: unknown[]) => {
          const bridge = this.#bridge;
          if (!bridge) throw new KernelError('E_NO_TARGET', 'the extension called the kernel before it was started');
          return (bridge[name] as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    );
    expose(Object.freeze(table), guardedEndpoint(kernel.port1, 'expose', new Set(KERNEL_METHODS)));
    this.worker.on('error', (error) => {
      this.#error = error;
    });
    this.worker.on('exit', (code) => {
      const error = this.#error as (Error & { code?: string }) | undefined;
      this.#exitReason ??= error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? 'the extension ran out of memory (host.memoryMb)'
        : error
          ? `the extension's thread failed: ${error.message.slice(0, 200)}`
          : `the extension's thread exited with code ${code}`;
      this.#exited = true;
      kernel.port1.close();
      control.port1.close();
      const listeners = [...this.#exitListeners];
      this.#exitListeners.clear();
      for (const listener of listeners) listener(this.#exitReason);
    });
  }

  /** Start a thread and wait until SES is locked down and the protocol answers. */
  static async boot(limits: ResourceLimits, onOutput: (stream: 'stdout' | 'stderr', text: string) => void, timeoutMs: number): Promise<WorkerThread> {
    const thread = new WorkerThread(limits, onOutput);
    await thread.within(timeoutMs, 'boot', () => thread.remote.ping());
    return thread;
  }

  /** Why the thread ended, or `undefined` while it runs. */
  get exitReason(): string | undefined {
    return this.#exitReason;
  }

  /** Serve the kernel channel from `bridge` (once). */
  attach(bridge: KernelApi): void {
    this.#bridge = bridge;
  }

  /** Run `listener` once when the thread ends (at once if it already has); returns an unsubscribe. */
  onExit(listener: ExitListener): () => void {
    if (this.#exited && this.#exitReason !== undefined) {
      listener(this.#exitReason);
      return () => undefined;
    }
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  /** End the thread now, recording `reason` as how it ended. */
  async terminate(reason: string): Promise<void> {
    this.#exitReason ??= reason;
    await this.worker.terminate();
  }

  /**
   * Run `work` against the thread, failing with `E_TIMEOUT` after `timeoutMs`
   * or `E_TARGET_CRASHED` if the thread ends first. Does not terminate on timeout.
   */
  within<T>(timeoutMs: number, what: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new KernelError('E_TIMEOUT', `${what} did not answer within ${timeoutMs} ms`, { facts: { timeoutMs, what } })),
        timeoutMs,
      );
      const unsubscribe = this.onExit((reason) =>
        reject(new KernelError('E_TARGET_CRASHED', `${what} failed: ${reason}`, { facts: { reason, what, crashed: true } })),
      );
      work()
        .then(resolve, reject)
        .finally(() => {
          clearTimeout(timer);
          unsubscribe();
        });
    });
  }
}
