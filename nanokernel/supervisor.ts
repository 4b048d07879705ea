/**
 * Supervision for sandboxed extensions, the same for Wasm plugins and workers:
 * start, deliver, health pings, restart on crash with exponential backoff and
 * jitter, and a circuit breaker that stops restarting a crash loop for a while
 * (calls fail fast) and then probes it again. Every change is an audit record.
 *
 * @module
 */
import type { Envelope } from './envelope.js';
import { KernelError, fromWire } from './errors.js';
import type { Kernel } from './kernel.js';
import type { EndpointOptions } from './endpoint.js';
import type { Port } from './port.js';
import type { Sandbox } from './sandbox.js';

export interface RestartPolicy {
  /** First restart delay; doubles each time up to `maxBackoffMs`, with ±50% jitter. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Crashes within `crashWindowMs` that open the circuit. */
  readonly maxCrashes: number;
  readonly crashWindowMs: number;
  /** How long the circuit stays open before one probe start. */
  readonly circuitCooldownMs: number;
  /** Health ping interval (0 = no pings) and its deadline. */
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialBackoffMs: 50,
  maxBackoffMs: 5_000,
  maxCrashes: 5,
  crashWindowMs: 30_000,
  circuitCooldownMs: 5_000,
  pingIntervalMs: 0,
  pingTimeoutMs: 1_000,
};

export type SupervisedState = 'starting' | 'running' | 'restarting' | 'circuit-open' | 'stopped';

/**
 * One supervised extension. Created by `Kernel.attach`.
 *
 * @example
 * const ext = await kernel.attach(new WorkerSandbox({ id: 'greeter', … }), token, { timeoutMs: 2_000 });
 * ext.state; // 'running'
 * await ext.stop();
 */
export class Supervised {
  readonly id: string;
  readonly sandbox: Sandbox;
  #state: SupervisedState = 'starting';
  #port: Port | undefined;
  readonly #kernel: Kernel;
  readonly #policy: RestartPolicy;
  #crashes: number[] = [];
  #attempt = 0;
  #ready: Promise<void> = Promise.resolve();
  #readyResolve: (() => void) | undefined;
  #openUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The restart under way, if any: stop() waits for it. */
  #restarting: Promise<void> | undefined;
  #limitMs = 5_000;
  #pinger: ReturnType<typeof setInterval> | undefined;

  constructor(kernel: Kernel, sandbox: Sandbox, policy: RestartPolicy) {
    this.#kernel = kernel;
    this.sandbox = sandbox;
    this.id = sandbox.id;
    this.#policy = policy;
    sandbox.onCrash((reason) => this.crashed(reason));
  }

  get state(): SupervisedState {
    return this.#state;
  }

  get port(): Port {
    if (!this.#port) throw new KernelError('E_NO_TARGET', `"${this.id}" is not attached`, { facts: { id: this.id } });
    return this.#port;
  }

  /** Register the endpoint and start the sandbox. Throws if the first start fails. */
  async attach(token: string, options: EndpointOptions): Promise<void> {
    this.#limitMs = options.timeoutMs ?? this.#limitMs;
    this.#port = await this.#kernel.register(this.id, token, (envelope) => this.#deliver(envelope), options, {
      sandbox: this.sandbox.kind,
      ...(this.sandbox.moduleSha256 ? { sha256: this.sandbox.moduleSha256 } : {}),
    });
    try {
      await this.sandbox.start(this.#port);
    } catch (error) {
      this.#kernel.unregister(this.id, 'failed to start');
      this.#state = 'stopped';
      throw fromWire(error);
    }
    this.#state = 'running';
    if (this.#policy.pingIntervalMs > 0) {
      this.#pinger = setInterval(() => void this.#ping(), this.#policy.pingIntervalMs);
      this.#pinger.unref();
    }
  }

  async #deliver(envelope: Envelope): Promise<unknown> {
    if (this.#state === 'circuit-open') {
      throw new KernelError('E_TARGET_CRASHED', `"${this.id}" keeps crashing; calls fail fast until ${new Date(this.#openUntil).toISOString()}`, {
        facts: { id: this.id, state: 'circuit-open' },
        hint: 'fix the extension (see endpoint.crash records in the audit log); it is probed again after the cooldown',
      });
    }
    if (this.#state === 'restarting' || this.#state === 'starting') await this.#waitReady(envelope);
    try {
      // The extension's own limit decides when its code is stopped; a caller's shorter
      // deadline only ends that caller's wait (the dispatcher answers it E_TIMEOUT), so
      // no caller can get an extension killed, and its circuit opened, by asking impatiently.
      return await this.sandbox.deliver(envelope, this.#limitMs);
    } catch (error) {
      const coded = fromWire(error);
      // An overrun sandbox was stopped; a dead one says so with facts.crashed. An extension's
      // own error (even an uncoded one) leaves it running and is only passed back.
      if (coded.code === 'E_TIMEOUT' || coded.facts.crashed === true) this.crashed(`${coded.code}: ${coded.message}`);
      throw coded;
    }
  }

  async #waitReady(envelope: Envelope): Promise<void> {
    const wait = Math.max(1, (envelope.deadline ?? Date.now() + 5_000) - Date.now());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KernelError('E_TARGET_CRASHED', `"${this.id}" is restarting and was not ready in time`, { facts: { id: this.id } })), wait);
    });
    try {
      await Promise.race([this.#ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.#state !== 'running') throw new KernelError('E_TARGET_CRASHED', `"${this.id}" is not running (${this.#state})`, { facts: { id: this.id } });
  }

  /** Called when the sandbox died or stopped answering: schedule a restart or open the circuit. */
  crashed(reason: string): void {
    if (this.#state === 'stopped' || this.#state === 'restarting' || this.#state === 'circuit-open') return;
    const now = Date.now();
    this.#crashes = [...this.#crashes.filter((at) => now - at < this.#policy.crashWindowMs), now];
    this.#record('endpoint.crash', { reason: reason.slice(0, 300), crashes_in_window: this.#crashes.length });
    this.#ready = new Promise((resolve) => (this.#readyResolve = resolve));
    if (this.#crashes.length >= this.#policy.maxCrashes) {
      this.#state = 'circuit-open';
      this.#openUntil = now + this.#policy.circuitCooldownMs;
      this.#record('circuit.open', { cooldown_ms: this.#policy.circuitCooldownMs });
      this.#readyResolve?.();
      this.#schedule(this.#policy.circuitCooldownMs, true);
      return;
    }
    this.#state = 'restarting';
    const base = Math.min(this.#policy.maxBackoffMs, this.#policy.initialBackoffMs * 2 ** this.#attempt++);
    this.#schedule(base * (0.5 + Math.random()), false);
  }

  #schedule(delayMs: number, probe: boolean): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#restarting = this.#restart(probe).finally(() => (this.#restarting = undefined));
    }, delayMs);
    this.#timer.unref();
  }

  async #restart(probe: boolean): Promise<void> {
    if (this.#state === 'stopped') return;
    try {
      await this.sandbox.stop().catch(() => undefined);
      await this.sandbox.start(this.port);
    } catch (error) {
      if (this.#stoppedMeanwhile()) return;
      this.#state = 'running'; // let crashed() count it and decide
      this.crashed(`restart failed: ${fromWire(error).message}`);
      return;
    }
    // Stopped while it was starting: stop() waits for this restart and then stops the sandbox.
    if (this.#stoppedMeanwhile()) return;
    this.#state = 'running';
    this.#record('endpoint.restart', { attempt: this.#attempt, probe });
    if (probe) {
      this.#crashes = [];
      this.#attempt = 0;
      this.#record('circuit.close', {});
    }
    this.#readyResolve?.();
  }

  /** Whether stop() ran while an await was pending (a method, so the compiler does not narrow it away). */
  #stoppedMeanwhile(): boolean {
    return this.#state === 'stopped';
  }

  async #ping(): Promise<void> {
    if (this.#state !== 'running') return;
    try {
      await this.sandbox.ping(this.#policy.pingTimeoutMs);
    } catch (error) {
      this.crashed(`health ping failed: ${fromWire(error).message}`);
    }
  }

  /** Stop supervising: queued messages fail, the sandbox is stopped, no more restarts. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    clearTimeout(this.#timer);
    clearInterval(this.#pinger);
    this.#readyResolve?.();
    this.#kernel.unregister(this.id, reason);
    // A restart already under way would otherwise bring the sandbox back after this stop.
    await this.#restarting;
    await this.sandbox.stop();
  }

  #record(action: 'endpoint.crash' | 'endpoint.restart' | 'circuit.open' | 'circuit.close', detail: Record<string, unknown>): void {
    try {
      this.#kernel.record({ actor: 'kernel', action, verdict: 'info', target: this.id, detail: { sandbox: this.sandbox.kind, ...detail } });
    } catch {
      // The audit log is down: the dispatcher already refuses every decision, nothing more to do here.
    }
  }
}
