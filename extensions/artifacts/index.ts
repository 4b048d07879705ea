/**
 * The artifact store: content-addressed blobs (sha256) under named refs, kept
 * in the one directory its `host.fs` grant names. The resource of every call is
 * the ref it acts on (or `sha256:<hex>` for `get`/`stat`, a ref prefix for
 * `list`), so the kernel has already checked it against the caller's grants.
 * Protocol: ./protocol.ts; docs: docs/extensions.md#artifacts.
 *
 * Needs: `host.fs` (readwrite) on its directory; `publish: artifacts.*` to
 * announce puts (optional: a refused publish is logged, the put still succeeds).
 *
 * @module
 */
import { KernelError, defineExtension } from '../sdk/worker/index.js';
import { parseConfig } from './config.js';
import { get, list, stat } from './ops-read.js';
import { gc, put, tag, untag } from './ops-write.js';
import { GcBody, GetBody, ListBody, PutBody, StatBody, TagBody, UntagBody } from './protocol.js';
import { openStore, type Store } from './store.js';

let opened: Store | undefined;

const store = (): Store => {
  if (opened === undefined) throw new KernelError('E_NO_TARGET', 'artifacts: the store is not open yet', { hint: 'retry once the extension has started' });
  return opened;
};

export default defineExtension({
  ops: {
    put: { body: PutBody, handle: (body, ctx) => put(store(), body, ctx) },
    get: { body: GetBody, handle: (body, ctx) => get(store(), body, ctx) },
    stat: { body: StatBody, handle: (body, ctx) => stat(store(), body, ctx) },
    list: { body: ListBody, handle: (body, ctx) => list(store(), body, ctx) },
    tag: { body: TagBody, handle: (body, ctx) => tag(store(), body, ctx) },
    untag: { body: UntagBody, handle: (body, ctx) => untag(store(), body, ctx) },
    gc: { body: GcBody, handle: (body) => gc(store(), body) },
  },
  async init(api, data) {
    const { store: ready, report } = await openStore(parseConfig(data));
    opened = ready;
    api.log('info', 'artifact store open', { refs: report.refs, droppedTemp: report.droppedTemp, skippedRefs: report.skippedRefs.length });
    if (report.skippedRefs.length > 0) api.log('warn', 'ref files skipped: not valid ref records of this store', { files: report.skippedRefs.slice(0, 20) });
  },
});
