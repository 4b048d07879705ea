/**
 * Test harness for the system extensions: writes a policy into a temp dir,
 * boots the real kernel and the named extensions in their worker sandboxes
 * through `ExtensionHost`, and registers test endpoints (with tokens the kernel
 * mints) to call them and to stand in as targets. Needs
 * `npm run build:ts && npm run build:bundles` first.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ExtensionHost } from '../../../cli/runtime/host.js';
import type { Envelope, Handler, Port } from '../../../nanokernel/index.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');

/** The bundled module of system extension `name`. */
export const moduleOf = (name: string): string => path.join(ROOT, 'dist', 'extensions', name, 'index.js');

export type AuditLine = Record<string, unknown> & { actor?: string; action?: string; verdict?: string; target?: string; op?: string; code?: string };

export interface Harness {
  readonly host: ExtensionHost;
  readonly dir: string;
  readonly auditFile: string;
  readonly logs: Record<string, unknown>[];
  /** Register an in-process endpoint with a kernel-minted token for `grants`. */
  endpoint(name: string, grants: unknown[], handler?: Handler): Promise<Port>;
  audit(): AuditLine[];
  stop(): Promise<void>;
}

/** A fresh temp dir (removed by `cleanup`). */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Write `extensions` as a policy (JSON is YAML) and start `only` of them. */
export async function startHost(dir: string, extensions: Record<string, unknown>, only: string[]): Promise<Harness> {
  mkdirSync(dir, { recursive: true });
  const policyFile = path.join(dir, 'policy.yaml');
  const auditFile = path.join(dir, `audit-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(policyFile, JSON.stringify({ version: 1, extensions }, null, 2));
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const host = await ExtensionHost.start({ policyFile, auditFile, only, auditSync: true, logger: pino({ level: 'debug' }, stream) });
  return {
    host,
    dir,
    auditFile,
    logs,
    async endpoint(name, grants, handler = () => undefined) {
      return host.kernel.register(name, await host.kernel.mintToken(name, grants), handler);
    },
    audit: () =>
      readFileSync(auditFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditLine),
    stop: () => host.stop(),
  };
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string; facts?: Record<string, unknown>; hint?: string }> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)?.slice(0, 200)}`);
}

/** Wait until `check` returns a value (not undefined), polling; fails after `ms`. */
export async function until<T>(check: () => T | undefined, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export type { Envelope };
