/**
 * The read ops: `get` (bytes, re-hashed on every read), `stat` (size and refs,
 * no re-hash) and `list` (refs under a prefix). Their resource was checked
 * against the caller's grants by the kernel before the call got here.
 *
 * @module
 */
import type { MessageContext } from '../sdk/worker/index.js';
import type { z } from '../sdk/worker/index.js';
import type { GetBody, GetReply, ListBody, ListReply, StatBody, StatReply } from './protocol.js';
import { damaged, notFound } from './failures.js';
import { parsePrefix, parseTarget } from './names.js';
import { fromBytes } from './payload.js';
import type { Store } from './store.js';

/** The blob a `get`/`stat` resource names, and the ref's content type if any. */
function resolve(store: Store, resource: string): { hash: string; viaRef: boolean; contentType: string | undefined } {
  const target = parseTarget(resource);
  if (target.kind === 'hash') return { hash: target.hash, viaRef: false, contentType: undefined };
  const record = store.refs.get(target.ref);
  if (!record) throw notFound(resource);
  return { hash: record.hash, viaRef: true, contentType: record.contentType };
}

const withType = (contentType: string | undefined) => (contentType === undefined ? {} : { contentType });

export async function get(store: Store, body: z.output<typeof GetBody>, ctx: MessageContext): Promise<z.infer<typeof GetReply>> {
  const { hash, viaRef, contentType } = resolve(store, ctx.resource);
  const bytes = await store.blobs.read(hash);
  if (bytes === undefined) {
    if (viaRef) throw damaged('blob-missing', hash, `ref "${ctx.resource}" points at it but its file is gone`);
    throw notFound(ctx.resource);
  }
  return { hash, size: bytes.length, data: fromBytes(bytes, body.encoding), encoding: body.encoding, ...withType(contentType) };
}

export async function stat(store: Store, _body: z.output<typeof StatBody>, ctx: MessageContext): Promise<z.infer<typeof StatReply>> {
  const { hash, viaRef, contentType } = resolve(store, ctx.resource);
  const info = await store.blobs.stat(hash);
  if (info === undefined) {
    if (viaRef) throw damaged('blob-missing', hash, `ref "${ctx.resource}" points at it but its file is gone`);
    throw notFound(ctx.resource);
  }
  return { hash, size: info.size, refs: store.refs.refsTo(hash), ...withType(contentType) };
}

export function list(store: Store, body: z.output<typeof ListBody>, ctx: MessageContext): z.infer<typeof ListReply> {
  const prefix = parsePrefix(ctx.resource);
  return { items: store.refs.list(prefix, body.limit).map(({ ref, hash, size }) => ({ ref, hash, size })) };
}
