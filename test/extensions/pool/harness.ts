/**
 * Test harness for the pool plugin (`dist/plugins/pool.wasm`, built by
 * `node scripts/build-plugins.mjs`): the real `WasmSandbox` driven with
 * envelopes whose `ts` the test chooses, and the real kernel booted by
 * `ExtensionHost` from a policy written into a temp dir, with the plugin's
 * sha256 computed here.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ExtensionHost } from '../../../cli/runtime/host.js';
import { parseGrants, type GrantInput } from '../../../capabilities/index.js';
import { Envelope } from '../../../nanokernel/envelope.js';
import { KernelError } from '../../../nanokernel/errors.js';
import type { Port } from '../../../nanokernel/index.js';
import type { ExtensionPort } from '../../../nanokernel/sandbox.js';
import { WasmSandbox } from '../../../sandboxes/wasm/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const POOL_WASM = path.join(ROOT, 'dist', 'plugins', 'pool.wasm');

export function poolSha(): string {
  if (!existsSync(POOL_WASM)) throw new Error(`${POOL_WASM} is missing: run "node scripts/build-plugins.mjs" first`);
  return createHash('sha256').update(readFileSync(POOL_WASM)).digest('hex');
}

/**
 * The port a sandbox is started with. The pool calls no one, so every request
 * it could make is refused, and a test can assert none was made.
 */
export class RefusingPort implements ExtensionPort {
  readonly id = 'pool';
  readonly attempts: string[] = [];
  #refuse(what: string): never {
    this.attempts.push(what);
    throw new KernelError('E_DENIED', `pool may not ${what}`);
  }
  async call(to: string): Promise<unknown> {
    return this.#refuse(`call ${to}`);
  }
  async publish(topic: string): Promise<void> {
    this.#refuse(`publish ${topic}`);
  }
  async subscribe(topic: string): Promise<void> {
    this.#refuse(`subscribe ${topic}`);
  }
  async delegate(_grants: readonly unknown[], _ttl: number, to: string): Promise<string> {
    return this.#refuse(`delegate ${to}`);
  }
  async revoke(): Promise<void> {
    this.#refuse('revoke');
  }
  log(): void {}
}

export interface DirectPool {
  readonly sandbox: WasmSandbox;
  readonly port: RefusingPort;
  /** Deliver one call envelope as the kernel would, with the given `from` and `ts`. */
  call(op: string, resource: string, body: unknown, from: string, ts: number): Promise<unknown>;
  stop(): Promise<void>;
}

let nextId = 0;

/** The pool plugin in a real `WasmSandbox`, configured with `data`, without a kernel. */
export async function directPool(data: Record<string, unknown>): Promise<DirectPool> {
  const sandbox = new WasmSandbox({ id: 'pool', wasmPath: POOL_WASM, sha256: poolSha(), data, host: { memoryMb: 32, timeoutMs: 5_000 } });
  const port = new RefusingPort();
  await sandbox.start(port);
  return {
    sandbox,
    port,
    call: (op, resource, body, from, ts) =>
      sandbox.deliver(
        Envelope.parse({ v: 1, id: `p-${++nextId}`, kind: 'call', from, to: 'pool', op, resource, ts, trace_id: 'trace-pool', span_id: `s-${nextId}`, body }),
        5_000,
      ),
    stop: () => sandbox.stop(),
  };
}

export interface PoolHost {
  readonly host: ExtensionHost;
  readonly dir: string;
  readonly auditFile: string;
  /** Register an in-process endpoint with a kernel-minted token for `grants`. */
  endpoint(name: string, grants: GrantInput[]): Promise<Port>;
  audit(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Boot the real kernel with a policy holding only the pool (its hash computed here). */
export async function startPoolHost(data: Record<string, unknown>): Promise<PoolHost> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-pool-'));
  const policyFile = path.join(dir, 'policy.yaml');
  const auditFile = path.join(dir, 'audit.log');
  const pool = {
    sandbox: 'wasm',
    module: POOL_WASM,
    sha256: poolSha(),
    why: 'leases instrument slots (test)',
    allow: [],
    host: { memoryMb: 32, timeoutMs: 2_000 },
    data,
  };
  writeFileSync(policyFile, JSON.stringify({ version: 1, extensions: { pool } }, null, 2));
  const host = await ExtensionHost.start({ policyFile, auditFile, only: ['pool'], auditSync: true, logger: pino({ level: 'silent' }) });
  return {
    host,
    dir,
    auditFile,
    endpoint: async (name, grants) => host.kernel.register(name, await host.kernel.mintToken(name, parseGrants(grants)), () => undefined),
    audit: () =>
      readFileSync(auditFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: async () => {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<KernelError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error as KernelError;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)?.slice(0, 200)}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
