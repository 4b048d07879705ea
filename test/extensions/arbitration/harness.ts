/**
 * End-to-end harness: a policy YAML in a temp dir, the real kernel and worker
 * sandboxes started by `ExtensionHost`, the fixture resolver compiled with
 * esbuild, a test client endpoint with its own minted token, and the audit file.
 *
 * The engine's policy entry sets `host.concurrency` above 1: an `ask` holds its
 * delivery slot until the deadline, so with one slot every `propose` would
 * queue behind it.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { ExtensionHost } from '../../../cli/runtime/host.js';
import { bundleExtension } from '../../../scripts/extension-bundle.mjs';
import type { Envelope, Port } from '../../../nanokernel/index.js';
import { projectRoot } from '../../../sandboxes/compiled-path.js';
import { readAudit } from '../../nanokernel/helpers.js';

export const ROOT = projectRoot(path.dirname(new URL(import.meta.url).pathname));
export const DIST = path.join(ROOT, 'dist', 'extensions', 'arbitration');
/** Endpoint concurrency for the engine: above its data.maxPending, so proposals always find a slot. */
export const ENGINE_CONCURRENCY = 32;

/** Compile the single-file fixture resolver into `dir`; returns the absolute module path. */
export async function compileFixture(dir: string): Promise<string> {
  return bundleExtension(path.join(ROOT, 'test', 'extensions', 'arbitration', 'fixtures', 'resolver.ts'), path.join(dir, 'resolver.js'));
}

export interface Arbitration {
  readonly host: ExtensionHost;
  readonly dir: string;
  readonly auditFile: string;
  /** The test client: may `ask`, read fixture reports, and hear `decision.made.*`. */
  readonly client: Port;
  /** `decision.made.*` events the client heard. */
  readonly made: Envelope[];
  audit(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Start the policy `extensions` (an object keyed by id, as in a policy file) that `policy(dir)` builds. */
export async function startArbitration(policy: (dir: string) => Promise<Record<string, unknown>>): Promise<Arbitration> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-arbitration-'));
  const extensions = await policy(dir);
  const policyFile = path.join(dir, 'policy.yaml');
  const auditFile = path.join(dir, 'audit.log');
  writeFileSync(policyFile, stringify({ version: 1, extensions }));
  const host = await ExtensionHost.start({ policyFile, auditFile, auditSync: true, logger: pino({ level: 'silent' }) });
  const made: Envelope[] = [];
  const grants = [
    { action: 'call', to: 'arbitration', ops: ['ask'] },
    { action: 'call', to: '*', ops: ['report', 'tryPropose'] },
    { action: 'subscribe', to: 'decision.made.*' },
  ];
  const client = await host.kernel.register('asker', await host.kernel.mintToken('asker', grants), (envelope) => {
    if (envelope.kind === 'event') made.push(envelope);
  });
  await client.subscribe('decision.made.*');
  return {
    host,
    dir,
    auditFile,
    client,
    made,
    audit: () => readAudit(auditFile),
    async close() {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; hint?: string };
  }
  throw new Error('expected a rejection');
}
