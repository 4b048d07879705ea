/**
 * Names: which resources are refs, which are blob addresses, and the file each
 * maps to. A ref never becomes part of a path: its file is named by the sha256
 * of the ref, and a blob's file by its own (validated) hash, so no input can
 * steer a path (`../`, `/`, NUL, `%2e` are all refused anyway).
 *
 * Layout under the granted directory:
 *
 * ```
 * blobs/<hash[0..2]>/<hash>   blob bytes, named by their sha256
 * refs/<sha256(ref)>.json     {"ref","hash","size","contentType"?}: one file per ref
 * tmp/<uuid>.tmp              writes in flight; emptied at start
 * ```
 *
 * @module
 */
import { BLOB_PREFIX } from './protocol.js';
import { badResource } from './failures.js';
import { sha256 } from './host.js';

/** One ref segment: no leading `.`, so `.` and `..` can never be segments. */
const SEGMENT = /^[A-Za-z0-9_@+=,-][A-Za-z0-9._@+=,-]{0,127}$/;
const HEX = /^[0-9a-f]{64}$/;
export const MAX_REF_CHARS = 512;
const MAX_SEGMENTS = 32;

export const BLOBS_DIR = 'blobs';
export const REFS_DIR = 'refs';
export const TMP_DIR = 'tmp';

/** Is `value` a well-formed ref (`reports/q3.json`)? */
export function isRef(value: string): boolean {
  if (value.length === 0 || value.length > MAX_REF_CHARS) return false;
  const segments = value.split('/');
  return segments.length <= MAX_SEGMENTS && segments.every((segment) => SEGMENT.test(segment));
}

/** Is `value` a 64-digit lower-case sha256? */
export const isHash = (value: string): boolean => HEX.test(value);

/** What a resource names: a ref, or a blob by content. */
export type Target = { readonly kind: 'ref'; readonly ref: string } | { readonly kind: 'hash'; readonly hash: string };

/** Parse a `get`/`stat` resource: a ref or `sha256:<hex>`. Throws `E_BAD_ENVELOPE`. */
export function parseTarget(resource: string): Target {
  if (resource.startsWith(BLOB_PREFIX)) {
    const hash = resource.slice(BLOB_PREFIX.length);
    if (!isHash(hash)) throw badResource(resource, 'a blob address: use sha256:<64 lower-case hex digits>');
    return { kind: 'hash', hash };
  }
  if (!isRef(resource)) throw badResource(resource, 'a valid ref or sha256:<hex>');
  return { kind: 'ref', ref: resource };
}

/** Parse a resource that must be a ref (`put`, `tag`, `untag`). Throws `E_BAD_ENVELOPE`. */
export function parseRef(resource: string): string {
  if (!isRef(resource)) throw badResource(resource, 'a valid ref (blob addresses cannot be written or tagged)');
  return resource;
}

/** Parse a `list` prefix: `""` (every ref) or the beginning of some valid ref. Throws `E_BAD_ENVELOPE`. */
export function parsePrefix(resource: string): string {
  if (resource !== '' && !isRef(`${resource}a`)) throw badResource(resource, 'a ref prefix such as "reports/"');
  return resource;
}

/** The file of blob `hash` (hash already validated). */
export const blobDir = (hash: string): string => `${BLOBS_DIR}/${hash.slice(0, 2)}`;
export const blobFile = (hash: string): string => `${blobDir(hash)}/${hash}`;

/** The file of a ref: named by the ref's sha256, never by the ref itself. */
export const refFile = (ref: string): string => `${REFS_DIR}/${sha256(ref)}.json`;

/** A fresh temp file name. */
export const tmpFile = (id: string): string => `${TMP_DIR}/${id}.tmp`;
