/**
 * Shared helpers for the Wasm sandbox tests: compiled plugins from
 * dist/plugins (run `npm run build` first), a real kernel with a temp audit
 * file, and a recording `ExtensionPort` for tests that drive a sandbox directly.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { compileGrants, parseGrants, type GrantInput } from '../../../capabilities/index.js';
import { Envelope } from '../../../nanokernel/envelope.js';
import { KernelError } from '../../../nanokernel/errors.js';
import { Kernel } from '../../../nanokernel/index.js';
import type { CallOptions, ExtensionPort, LogLevel } from '../../../nanokernel/sandbox.js';
import { WasmSandbox, type WasmSandboxOptions } from '../../../sandboxes/wasm/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Path of a compiled plugin; fails loudly when the build has not run. */
export function pluginPath(name: string): string {
  const file = path.join(ROOT, 'dist', 'plugins', `${name}.wasm`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first`);
  return file;
}

export function pluginSha(name: string): string {
  return createHash('sha256').update(readFileSync(pluginPath(name))).digest('hex');
}

/** A sandbox for a compiled plugin, pinned to its real hash. */
export function sandboxFor(name: string, options: Partial<WasmSandboxOptions> = {}): WasmSandbox {
  return new WasmSandbox({ id: name, wasmPath: pluginPath(name), sha256: pluginSha(name), ...options });
}

export function tempDir(prefix = 'nk-wasm-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A real kernel with a synchronous audit log in a temp file. */
export async function startKernel(): Promise<{ kernel: Kernel; auditFile: string }> {
  const auditFile = path.join(tempDir(), 'audit.log');
  const kernel = await Kernel.start({ auditFile, auditSync: true, logger: pino({ level: 'silent' }) });
  return { kernel, auditFile };
}

/** Attach a plugin sandbox to the kernel with exactly `grants`. */
export async function attachPlugin(kernel: Kernel, sandbox: WasmSandbox, grants: GrantInput[] = [], timeoutMs = 2_000) {
  const token = await kernel.mintToken(sandbox.id, parseGrants(grants));
  return kernel.attach(sandbox, token, { timeoutMs }, { initialBackoffMs: 10, maxBackoffMs: 50 });
}

/** A plain endpoint that may call the given targets. */
export async function client(kernel: Kernel, name: string, grants: GrantInput[]) {
  return kernel.register(name, await kernel.mintToken(name, parseGrants(grants)), () => undefined);
}

export { readAudit } from '../../nanokernel/helpers.js';

let nextId = 0;
/** A valid call envelope to `to`, as the kernel would deliver it. */
export function envelope(to: string, op: string, body: unknown, extra: Partial<Envelope> = {}): Envelope {
  return Envelope.parse({
    v: 1,
    id: `t-${++nextId}`,
    kind: 'call',
    from: 'tester',
    to,
    op,
    resource: '',
    ts: Date.now(),
    trace_id: 'trace-1',
    span_id: `span-${nextId}`,
    body,
    ...extra,
  });
}

/**
 * A test harness port (not a product stand-in): applies real grants with
 * `compileGrants`, answers allowed calls with `answer`, and records what the
 * plugin asked for and logged.
 */
export class RecordingPort implements ExtensionPort {
  readonly id: string;
  readonly calls: { to: string; op: string; resource: string; body: unknown; options?: CallOptions }[] = [];
  readonly logs: { level: LogLevel; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  readonly #matcher;
  readonly #answer: (to: string, op: string, body: unknown) => unknown;

  constructor(id: string, grants: GrantInput[] = [], answer: (to: string, op: string, body: unknown) => unknown = () => null) {
    this.id = id;
    this.#matcher = compileGrants(parseGrants(grants));
    this.#answer = answer;
  }

  async call(to: string, op: string, resource: string, body: unknown, options?: CallOptions): Promise<unknown> {
    this.calls.push({ to, op, resource, body, ...(options ? { options } : {}) });
    this.#check('call', to, op, resource);
    return this.#answer(to, op, body);
  }
  async publish(topic: string): Promise<void> {
    this.#check('publish', topic, '', '');
  }
  async subscribe(topic: string): Promise<void> {
    this.#check('subscribe', topic, '', '');
  }
  async delegate(_grants: readonly unknown[], _ttl: number, to: string): Promise<string> {
    this.#check('delegate', to, '', '');
    return 'delegated-token';
  }
  readonly revoked: string[] = [];
  async revoke(token: string): Promise<void> {
    this.revoked.push(token);
  }
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.logs.push({ level, message, ...(fields ? { fields } : {}) });
  }

  #check(action: 'call' | 'publish' | 'subscribe' | 'delegate', to: string, op: string, resource: string): void {
    if (this.#matcher.decide(action, to, op, resource)?.effect !== 'allow') {
      throw new KernelError('E_DENIED', `${this.id} may not ${action} ${to}`, { facts: { action, to, op } });
    }
  }
}

/** The rejection of `promise` as a KernelError (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<KernelError> {
  try {
    await promise;
  } catch (error) {
    return error as KernelError;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
