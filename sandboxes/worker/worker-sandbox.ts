/**
 * `WorkerSandbox`: one extension in its own worker thread, confined by SES.
 *
 * The sandbox turns the extension's host grants into thread limits and
 * endowments, serves its kernel calls through the port the kernel gives it,
 * delivers envelopes with a deadline (terminating a thread that misses it), and
 * reports a thread that dies. It is restartable: `start` after `stop` or a crash
 * builds a fresh thread. `prestart()` (and the `warmSpare` option) hide the
 * ~140 ms cold start of a locked-down thread from the next `start`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { HostGrants, type FileGrant } from '../../capabilities/index.js';
import { bodySize, type Envelope } from '../../nanokernel/envelope.js';
import { KernelError, fromWire } from '../../nanokernel/errors.js';
import type { ExtensionPort, Sandbox } from '../../nanokernel/sandbox.js';
import { makeKernelBridge } from './kernel-bridge.js';
import { resourceLimitsFor } from './limits.js';
import type { FsRoot, LoadedExtension, Outcome } from './protocol.js';
import { WorkerThread } from './worker-thread.js';

/** How to build a worker sandbox. */
export interface WorkerSandboxOptions {
  /** The extension id (the kernel stamps it into `from`). */
  readonly id: string;
  /** Compiled extension JavaScript in the load format (docs/worker-extensions.md). */
  readonly source: string;
  /** Host grants (defaults applied); nothing is granted that is not named. */
  readonly hostGrants?: unknown;
  /** The policy's `data` for this extension: configuration handed to `init(api, data)`. */
  readonly data?: unknown;
  /** Directory that relative `fs` grant paths are resolved against (the policy file's). */
  readonly baseDir?: string;
  /** Keep one booted thread in reserve so a restart skips the cold start. */
  readonly warmSpare?: boolean;
  /** Deadline for boot and load, in ms (default 10 s). */
  readonly startTimeoutMs?: number;
  /** Grace period for `stop()` before the thread is terminated, in ms (default 1 s). */
  readonly stopGraceMs?: number;
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** Resolve file grants to real directories, failing with `E_POLICY_INVALID` when one is missing. */
function resolveRoots(grants: readonly FileGrant[], baseDir: string): FsRoot[] {
  return grants.map((grant) => {
    const requested = path.resolve(baseDir, grant.path);
    try {
      const realPath = realpathSync(requested);
      if (!statSync(realPath).isDirectory()) throw new Error('not a directory');
      return { realPath, mode: grant.mode };
    } catch {
      throw new KernelError('E_POLICY_INVALID', `granted directory "${grant.path}" does not exist or is not a directory`, {
        facts: { path: grant.path },
        hint: 'create the directory or fix host.fs in the policy',
      });
    }
  });
}

/**
 * A sandbox running one worker extension.
 *
 * @example
 * const sandbox = new WorkerSandbox({ id: 'greeter', source, hostGrants: { memoryMb: 64 } });
 * await sandbox.start(port);
 * const reply = await sandbox.deliver(envelope, 1000);
 */
export class WorkerSandbox implements Sandbox {
  readonly kind = 'worker' as const;
  readonly id: string;
  readonly grants: HostGrants;
  /** sha256 of the extension's source text, as loaded. */
  readonly moduleSha256: string;
  readonly #options: WorkerSandboxOptions;
  #state: State = 'idle';
  #thread: WorkerThread | undefined;
  #spare: Promise<WorkerThread> | undefined;
  #loaded: LoadedExtension | undefined;
  readonly #crashListeners: ((reason: string) => void)[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: WorkerSandboxOptions) {
    this.id = options.id;
    this.#options = options;
    this.moduleSha256 = createHash('sha256').update(String(options.source)).digest('hex');
    const parsed = HostGrants.safeParse(options.hostGrants ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new KernelError('E_POLICY_INVALID', `host grants of "${options.id}": ${issue?.path.join('.') || '(grants)'}: ${issue?.message}`, {
        facts: { extension: options.id },
        hint: 'fix the host section of the policy (capabilities/host-grants.ts)',
      });
    }
    this.grants = parsed.data;
  }

  /** `idle`, `starting`, `running`, `stopping`, `stopped` or `crashed`. */
  get state(): State {
    return this.#state;
  }

  /** The ops and event topics the running extension declared. */
  get loaded(): LoadedExtension | undefined {
    return this.#loaded;
  }

  /** Boot a thread now (SES lockdown included) so the next `start` only loads the extension. */
  prestart(): Promise<void> {
    this.#spare ??= this.#boot();
    return this.#spare.then(() => undefined);
  }

  #boot(): Promise<WorkerThread> {
    const spare = WorkerThread.boot(
      resourceLimitsFor(this.grants),
      (stream, text) => this.#port?.log('warn', `worker ${stream} output`, { extension: this.id, output: text }),
      this.#options.startTimeoutMs ?? 10_000,
    );
    spare.catch(() => undefined);
    return spare;
  }

  #port: ExtensionPort | undefined;

  async start(port: ExtensionPort): Promise<void> {
    if (this.#state === 'running' || this.#state === 'starting') {
      throw new KernelError('E_BAD_ENVELOPE', `sandbox "${this.id}" is already ${this.#state}`, { hint: 'stop it before starting it again' });
    }
    if (port.id !== this.id) throw new KernelError('E_BAD_ENVELOPE', `port "${port.id}" does not belong to sandbox "${this.id}"`);
    this.#state = 'starting';
    this.#port = port;
    const timeoutMs = this.#options.startTimeoutMs ?? 10_000;
    let thread: WorkerThread | undefined;
    try {
      const fsRoots = resolveRoots(this.grants.fs, this.#options.baseDir ?? process.cwd());
      const pending = this.#spare ?? this.#boot();
      this.#spare = undefined;
      thread = await pending;
      if (thread.exitReason !== undefined) thread = await this.#boot();
      thread.attach(makeKernelBridge(port, this.grants));
      const request = { id: this.id, source: this.#options.source, hostGrants: this.grants, fsRoots, data: this.#options.data ?? {} };
      const outcome = await thread.within(timeoutMs, `loading extension "${this.id}"`, () => thread!.remote.load(request) as Promise<Outcome<LoadedExtension>>);
      if (!outcome.ok) throw fromWire(outcome.error);
      this.#loaded = outcome.value;
    } catch (error) {
      this.#state = 'stopped';
      await thread?.terminate('load failed');
      throw error instanceof KernelError ? error : fromWire(error);
    }
    this.#thread = thread;
    this.#state = 'running';
    thread.onExit((reason) => this.#exited(thread, reason));
    if (this.#options.warmSpare) this.#spare = this.#boot();
  }

  #exited(thread: WorkerThread, reason: string): void {
    if (this.#thread !== thread) return;
    this.#thread = undefined;
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#state = 'crashed';
    for (const listener of this.#crashListeners) {
      try {
        listener(reason);
      } catch {
        // A listener's failure must not stop the others from hearing about the crash.
      }
    }
  }

  #running(what: string): WorkerThread {
    const thread = this.#thread;
    if (this.#state === 'running' && thread) return thread;
    throw new KernelError('E_TARGET_CRASHED', `extension "${this.id}" is not running (${this.#state}); ${what} refused`, {
      facts: { extension: this.id, state: this.#state },
      hint: 'the supervisor restarts crashed extensions; retry after it has',
    });
  }

  async deliver(envelope: Envelope, timeoutMs: number): Promise<unknown> {
    const thread = this.#running('delivery');
    if (bodySize(envelope.body, this.grants.maxBodyBytes) > this.grants.maxBodyBytes) {
      throw new KernelError('E_TOO_LARGE', `the body sent to "${this.id}" is over its maxBodyBytes (${this.grants.maxBodyBytes})`, {
        facts: { extension: this.id, maxBodyBytes: this.grants.maxBodyBytes, op: envelope.op },
        hint: 'send less data per message, or raise host.maxBodyBytes of the receiving extension',
      });
    }
    // Only the extension's own limit stops its code; the caller's deadline is the dispatcher's business.
    const limit = Math.max(1, timeoutMs);
    const work = thread.within(limit, `extension "${this.id}" handling ${envelope.kind} "${envelope.op}"`, () => thread.remote.deliver(envelope) as Promise<Outcome<unknown>>);
    this.#inFlight.add(work);
    try {
      const outcome = await work;
      if (!outcome.ok) throw fromWire(outcome.error);
      return outcome.value;
    } catch (error) {
      if (error instanceof KernelError && error.code === 'E_TIMEOUT' && error.facts.what !== undefined) {
        // The code is still running (or spinning): stop it, and let the supervisor restart it.
        await thread.terminate(`terminated after missing a ${limit} ms deadline`);
        throw new KernelError('E_TIMEOUT', `extension "${this.id}" did not answer ${envelope.kind} "${envelope.op}" within ${limit} ms and was stopped`, {
          facts: { extension: this.id, op: envelope.op, timeoutMs: limit },
          hint: 'make the handler faster, or raise host.timeoutMs / the caller deadline',
        });
      }
      throw error instanceof KernelError ? error : fromWire(error);
    } finally {
      this.#inFlight.delete(work);
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    const thread = this.#running('ping');
    await thread.within(timeoutMs, `ping of "${this.id}"`, () => thread.remote.ping());
  }

  async stop(): Promise<void> {
    const thread = this.#thread;
    const spare = this.#spare;
    this.#spare = undefined;
    if (this.#state === 'running' || this.#state === 'starting') this.#state = 'stopping';
    if (thread) {
      const grace = this.#options.stopGraceMs ?? 1_000;
      const drained = Promise.allSettled([...this.#inFlight]).then(() => thread.remote.stop());
      await thread.within(grace, `stop of "${this.id}"`, () => drained).catch(() => undefined);
      await thread.terminate('stopped');
    }
    if (spare) await (await spare.catch(() => undefined))?.terminate('stopped');
    this.#thread = undefined;
    this.#state = 'stopped';
  }

  onCrash(listener: (reason: string) => void): void {
    this.#crashListeners.push(listener);
  }
}
