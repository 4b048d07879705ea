/**
 * The artifact store under test: a policy entry for it (its own store dir in a
 * temp dir), a host running it, and a `tester` endpoint allowed every op on
 * every resource that also records the `artifacts.*` events it hears.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Envelope, Port } from '../../../nanokernel/index.js';
import { moduleOf, startHost, type Harness } from './harness.js';

export const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
export const blobPath = (store: string, hash: string): string => path.join(store, 'blobs', hash.slice(0, 2), hash);
export const refPath = (store: string, ref: string): string => path.join(store, 'refs', `${sha(ref)}.json`);

/** The policy entry for the store. */
export function artifactsEntry(storeDir: string, options: { publish?: boolean; data?: Record<string, unknown> } = {}) {
  return {
    sandbox: 'worker',
    module: moduleOf('artifacts'),
    why: 'artifact store under test',
    allow: options.publish === false ? [] : [{ publish: 'artifacts.*', why: 'announce puts' }],
    host: { fs: [{ path: storeDir, mode: 'readwrite' }], memoryMb: 128, maxBodyBytes: 262_144 },
    data: options.data ?? { maxBlobBytes: 65_536 },
  };
}

export interface StoreFixture {
  readonly harness: Harness;
  readonly storeDir: string;
  readonly tester: Port;
  readonly events: Envelope[];
  call(op: string, resource: string, body?: unknown): Promise<any>;
}

/** Start the store in `dir/store` (created) with `tester` attached. */
export async function startStore(dir: string, options: Parameters<typeof artifactsEntry>[1] = {}): Promise<StoreFixture> {
  const storeDir = path.join(dir, 'store');
  mkdirSync(storeDir, { recursive: true });
  const harness = await startHost(dir, { artifacts: artifactsEntry(storeDir, options) }, ['artifacts']);
  const events: Envelope[] = [];
  const tester = await harness.endpoint('tester', [{ action: 'call', to: 'artifacts' }, { action: 'subscribe', to: 'artifacts.*' }], (envelope) => {
    if (envelope.kind === 'event') events.push(envelope);
  });
  await tester.subscribe('artifacts.*');
  return { harness, storeDir, tester, events, call: (op, resource, body = {}) => tester.call('artifacts', op, resource, body) };
}
