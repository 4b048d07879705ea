/**
 * The artifact store's message protocol: the body and reply schema of every op.
 * The resource of a call is the ref it acts on (`runs/r1/out.txt`) or a blob
 * address `sha256:<64 hex>`, so grants like `call artifacts ops [put]
 * resources [reports/*]` mean exactly what they say.
 *
 * @module
 */
// From the SDK, not 'zod': inside the worker sandbox the provided "zod" module is
// zod's `z` namespace itself, which has no `z` export (see docs/extensions.md#artifacts).
import { z } from 'zod';

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits');
/** `sha256:<hex>` names a blob by content; anything else is a ref. */
export const BLOB_PREFIX = 'sha256:';

export const Encoding = z.enum(['utf8', 'base64']);

export const PutBody = z.object({ data: z.string(), encoding: Encoding.default('utf8'), contentType: z.string().max(100).optional() }).strict();
export const PutReply = z.object({ ref: z.string(), hash: Sha256, size: z.number().int().nonnegative(), created: z.boolean() });

export const GetBody = z.object({ encoding: Encoding.default('utf8') }).strict();
/** `contentType` (added): the one given to `put` when the resource is a ref that has one. */
export const GetReply = z.object({ hash: Sha256, size: z.number().int().nonnegative(), data: z.string(), encoding: Encoding, contentType: z.string().optional() });

export const StatBody = z.object({}).strict();
/** `contentType` (added): as in `get`. `refs` lists every ref pointing at the blob. */
export const StatReply = z.object({ hash: Sha256, size: z.number().int().nonnegative(), refs: z.array(z.string()), contentType: z.string().optional() });

/** `list`: the resource is the ref prefix, e.g. `reports/` (granted by `reports/*`). */
export const ListBody = z.object({ limit: z.number().int().min(1).max(10_000).default(1_000) }).strict();
export const ListReply = z.object({ items: z.array(z.object({ ref: z.string(), hash: Sha256, size: z.number().int().nonnegative() })) });

export const TagBody = z.object({ hash: Sha256 }).strict();
export const TagReply = z.object({ ref: z.string(), hash: Sha256 });
export const UntagBody = z.object({}).strict();
export const UntagReply = z.object({ ref: z.string(), removed: z.boolean() });

/** `gc`: delete blobs no ref points to, older than `olderThanMs`. */
export const GcBody = z.object({ olderThanMs: z.number().int().nonnegative().default(0) }).strict();
export const GcReply = z.object({ deleted: z.number().int().nonnegative(), freedBytes: z.number().int().nonnegative() });

/** Published on `artifacts.put` after a ref is written. */
export const PutEvent = z.object({ ref: z.string(), hash: Sha256, size: z.number().int().nonnegative() });
