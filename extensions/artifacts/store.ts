/**
 * The artifact store: blobs, refs and the lock that orders ref changes and gc.
 * One instance per extension, built in `init` from the `fs` endowment.
 *
 * @module
 */
import type { StoreConfig } from './config.js';
import { BlobStore } from './blobs.js';
import { storeFs } from './host.js';
import { Lock } from './lock.js';
import { RefIndex } from './refs.js';

export interface Store {
  readonly config: StoreConfig;
  readonly blobs: BlobStore;
  readonly refs: RefIndex;
  readonly lock: Lock;
}

/** What opening found: temp files dropped, ref files skipped. */
export interface OpenReport {
  readonly droppedTemp: number;
  readonly skippedRefs: readonly string[];
  readonly refs: number;
}

/** Open (and create) the store in the first granted directory and rebuild the refs index. */
export async function openStore(config: StoreConfig): Promise<{ store: Store; report: OpenReport }> {
  const fs = storeFs();
  const blobs = new BlobStore(fs);
  const refs = new RefIndex(fs);
  const droppedTemp = await blobs.open();
  const skippedRefs = await refs.load();
  return {
    store: { config, blobs, refs, lock: new Lock() },
    report: { droppedTemp, skippedRefs, refs: refs.list('', Number.MAX_SAFE_INTEGER).length },
  };
}
