/**
 * End-to-end harness for the DAG tracker: the real kernel and sandboxes
 * (`ExtensionHost.start`), the tracker from dist/, the fixture instrument
 * bundled with esbuild like any worker extension, and in-process endpoints
 * registered on `host.kernel` for the services the tracker talks to:
 * `artifacts` (blobs in a Map that outlives a host, so a second host sees the
 * same data), `pool`, `arbitration`, and `tester` (calls `dag`, records events).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExtensionHost } from '../../../cli/runtime/host.js';
import { bundleExtension } from '../../../scripts/extension-bundle.mjs';
import { GetBody, ListBody, PutBody, StatBody } from '../../../extensions/artifacts/protocol.js';
import { ClaimBody, LeaseBody, ReleaseBody } from '../../../extensions/pool/protocol.js';
import { AskBody } from '../../../extensions/dag/arbitration-contract.js';
import { KernelError, type Envelope, type Port } from '../../../nanokernel/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

// The tests bundle the tracker from source (as the build does) rather than load
// dist/extensions/dag/index.js, because a concurrent `npm run build:ts` replaces that
// bundle with tsc's unbundled output.
const bundle = bundleExtension;

/** The fixture instrument, bundled into `dir`. */
export const bundleInstrument = (dir: string): Promise<string> => bundle(path.join(import.meta.dirname, 'fixtures/instrument.ts'), path.join(dir, 'instrument.js'));

/** The real artifact store, bundled from extensions/artifacts/index.ts into `dir`. */
export const bundleArtifacts = (dir: string): Promise<string> => bundle(path.join(ROOT, 'extensions/artifacts/index.ts'), path.join(dir, 'artifacts.js'));

/** The tracker, bundled from extensions/dag/index.ts into `dir`. */
export const bundleDag = (dir: string): Promise<string> => bundle(path.join(ROOT, 'extensions/dag/index.ts'), path.join(dir, 'dag.js'));

/** The artifact store stand-in: refs → text, shared by every host of one test. */
export class MemoryArtifacts {
  readonly blobs = new Map<string, string>();
  readonly puts: string[] = [];
  /** While true, every call fails as if the store were gone (a kill: nothing after it is kept). */
  offline = false;

  handle = (env: Envelope): unknown => {
    if (this.offline) throw new KernelError('E_NO_TARGET', 'artifacts is offline');
    const ref = env.resource;
    const hash = (data: string) => createHash('sha256').update(data).digest('hex');
    switch (env.op) {
      case 'put': {
        const body = PutBody.parse(env.body);
        const created = !this.blobs.has(ref);
        this.blobs.set(ref, body.data);
        this.puts.push(ref);
        return { ref, hash: hash(body.data), size: body.data.length, created };
      }
      case 'get': {
        GetBody.parse(env.body);
        const data = this.blobs.get(ref);
        if (data === undefined) throw new KernelError('E_NO_TARGET', `no artifact "${ref}"`);
        return { hash: hash(data), size: data.length, data, encoding: 'utf8' };
      }
      case 'stat': {
        StatBody.parse(env.body);
        const data = this.blobs.get(ref);
        if (data === undefined) throw new KernelError('E_NO_TARGET', `no artifact "${ref}"`);
        return { hash: hash(data), size: data.length, refs: [ref] };
      }
      case 'list': {
        const { limit } = ListBody.parse(env.body);
        const items = [...this.blobs].filter(([key]) => key.startsWith(ref)).slice(0, limit);
        return { items: items.map(([key, data]) => ({ ref: key, hash: hash(data), size: data.length })) };
      }
      default:
        throw new KernelError('E_NO_TARGET', `artifacts has no op "${env.op}"`);
    }
  };
}

/** A pool stand-in: the first lease of an instrument is queued, granted on the second claim. */
export class TestPool {
  readonly calls: { op: string; resource: string; holder?: string }[] = [];
  #claims = 0;
  handle = (env: Envelope): unknown => {
    if (env.op === 'lease') {
      const { holder } = LeaseBody.parse(env.body);
      this.calls.push({ op: 'lease', resource: env.resource, holder });
      return { queued: 't-1', position: 1 };
    }
    if (env.op === 'claim') {
      ClaimBody.parse(env.body);
      this.calls.push({ op: 'claim', resource: env.resource });
      return ++this.#claims < 2 ? { queued: 't-1', position: 1 } : { leaseId: 'l-1', instrument: env.resource, expiresAt: Date.now() + 60_000 };
    }
    if (env.op === 'release') {
      ReleaseBody.parse(env.body);
      this.calls.push({ op: 'release', resource: env.resource });
      return { released: true };
    }
    throw new KernelError('E_NO_TARGET', `pool has no op "${env.op}"`);
  };
}

/** An arbitration stand-in that always picks `winner`. */
export function testArbitration(winner: string, asked: unknown[]) {
  return (env: Envelope): unknown => {
    const body = AskBody.parse(env.body);
    asked.push({ resource: env.resource, ...body });
    return { outcome: 'decided', winner, questionId: 'q-1' };
  };
}

export interface Recorded {
  readonly topic: string;
  readonly body: Record<string, unknown>;
}

export interface Started {
  readonly host: ExtensionHost;
  readonly tester: Port;
  readonly events: Recorded[];
  /** Resolves with the first recorded event matching `pred` (waits up to `ms`). */
  waitFor(pred: (e: Recorded) => boolean, ms?: number): Promise<Recorded>;
}

/** Start a host on `policyFile` and register the in-process endpoints. */
export async function startHost(dir: string, policyFile: string, only: string[], services: { artifacts?: MemoryArtifacts; pool?: TestPool; arbitration?: (env: Envelope) => unknown }): Promise<Started> {
  const host = await ExtensionHost.start({ policyFile, auditFile: path.join(dir, `audit-${Date.now()}.log`), only });
  const kernel = host.kernel;
  if (services.artifacts) await kernel.register('artifacts', await kernel.mintToken('artifacts', []), services.artifacts.handle, { concurrency: 8 });
  if (services.pool) await kernel.register('pool', await kernel.mintToken('pool', []), services.pool.handle);
  if (services.arbitration) await kernel.register('arbitration', await kernel.mintToken('arbitration', []), services.arbitration);
  const events: Recorded[] = [];
  const listeners = new Set<() => void>();
  const grants = [{ action: 'call', to: 'dag' }, { action: 'call', to: 'artifacts', ops: ['get'] }, { action: 'subscribe', to: 'dag.*' }, { action: 'subscribe', to: 'fixture.*' }];
  const tester = await kernel.register('tester', await kernel.mintToken('tester', grants), (env) => {
    if (env.kind === 'event') events.push({ topic: env.to, body: env.body as Record<string, unknown> });
    for (const listener of listeners) listener();
    return undefined;
  }, { concurrency: 8 });
  await tester.subscribe('dag.*');
  await tester.subscribe('fixture.*');
  const waitFor = (pred: (e: Recorded) => boolean, ms = 20_000) =>
    new Promise<Recorded>((resolve, reject) => {
      const check = () => {
        const found = events.find(pred);
        if (!found) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no matching event within ${ms} ms; saw: ${events.map((e) => e.topic + ':' + String(e.body.nodeId ?? '')).join(', ')}`));
      }, ms);
      listeners.add(check);
      check();
    });
  return { host, tester, events, waitFor };
}

/** A temp dir removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nk-dag-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
