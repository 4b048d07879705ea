/**
 * The write ops: `put` (store a blob and point a ref at it), `tag` / `untag`
 * (move or drop a ref) and `gc` (delete blobs no ref points to). Ref changes and
 * gc run under the store's lock; a put holds its blob so a gc running between
 * its write and its ref cannot take it.
 *
 * @module
 */
import type { MessageContext } from '../sdk/worker/index.js';
import type { z } from '../sdk/worker/index.js';
import type { GcBody, GcReply, PutBody, PutEvent, PutReply, TagBody, TagReply, UntagBody, UntagReply } from './protocol.js';
import { notFound } from './failures.js';
import { sha256 } from './host.js';
import { BLOB_PREFIX } from './protocol.js';
import { parseRef } from './names.js';
import { toBytes } from './payload.js';
import type { Store } from './store.js';

export async function put(store: Store, body: z.output<typeof PutBody>, ctx: MessageContext): Promise<z.infer<typeof PutReply>> {
  const ref = parseRef(ctx.resource);
  const bytes = toBytes(body.data, body.encoding, store.config.maxBlobBytes);
  const hash = sha256(bytes);
  const release = store.blobs.hold(hash);
  let created: boolean;
  try {
    created = await store.blobs.write(hash, bytes);
    const record = { ref, hash, size: bytes.length, ...(body.contentType === undefined ? {} : { contentType: body.contentType }) };
    await store.lock.run(() => store.refs.set(record));
  } finally {
    release();
  }
  const event: z.infer<typeof PutEvent> = { ref, hash, size: bytes.length };
  // The blob and ref are stored; a refused or failed announcement does not undo that.
  await ctx.api.publish('artifacts.put', event).catch((error: unknown) => {
    ctx.api.log('warn', 'artifacts.put event not published', { ref, code: (error as { code?: unknown })?.code ?? 'unknown' });
  });
  return { ref, hash, size: bytes.length, created };
}

export function tag(store: Store, body: z.output<typeof TagBody>, ctx: MessageContext): Promise<z.infer<typeof TagReply>> {
  const ref = parseRef(ctx.resource);
  return store.lock.run(async () => {
    const info = await store.blobs.stat(body.hash);
    if (info === undefined) throw notFound(`${BLOB_PREFIX}${body.hash}`);
    await store.refs.set({ ref, hash: body.hash, size: info.size });
    return { ref, hash: body.hash };
  });
}

export function untag(store: Store, _body: z.output<typeof UntagBody>, ctx: MessageContext): Promise<z.infer<typeof UntagReply>> {
  const ref = parseRef(ctx.resource);
  return store.lock.run(async () => ({ ref, removed: await store.refs.delete(ref) }));
}

/** Delete every blob no ref points to whose file is at least `olderThanMs` old (by the file system's clock). */
export function gc(store: Store, body: z.output<typeof GcBody>): Promise<z.infer<typeof GcReply>> {
  return store.lock.run(async () => {
    const now = await store.blobs.now();
    const referenced = store.refs.referenced();
    let deleted = 0;
    let freedBytes = 0;
    for (const blob of await store.blobs.all()) {
      if (referenced.has(blob.hash) || store.blobs.isHeld(blob.hash)) continue;
      if (now - blob.mtimeMs < body.olderThanMs) continue;
      await store.blobs.remove(blob.hash);
      deleted++;
      freedBytes += blob.size;
    }
    return { deleted, freedBytes };
  });
}
