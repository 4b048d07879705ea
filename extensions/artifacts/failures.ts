/**
 * The artifact store's coded errors, in one place so every op fails the same
 * way. Codes (nanokernel/errors.ts has no store-specific ones):
 *
 * | code | when |
 * |---|---|
 * | `E_BAD_ENVELOPE` | a resource that is not a valid ref / `sha256:<hex>`, bad base64, non-UTF-8 blob asked as utf8 |
 * | `E_NO_TARGET` | the ref or blob named does not exist (`facts.reason: "not-found"`) |
 * | `E_TOO_LARGE` | a blob over `data.maxBlobBytes` |
 * | `E_TARGET_CRASHED` | the store itself is damaged: a blob fails its hash check, a referenced blob is missing, an entry resolves outside the store directory, or disk I/O failed (`facts.reason`) |
 *
 * @module
 */
import { KernelError } from '../sdk/worker/index.js';

/** Why the store is damaged (`facts.reason` of `E_TARGET_CRASHED`). */
export type DamageReason = 'corrupt' | 'blob-missing' | 'outside-store' | 'not-a-file' | 'io';

export const badResource = (resource: string, expected: string): KernelError =>
  new KernelError('E_BAD_ENVELOPE', `artifacts: resource "${resource.slice(0, 200)}" is not ${expected}`, {
    facts: { field: 'resource', resource: resource.slice(0, 200) },
    hint: 'name a ref made of segments of letters, digits and "._-@+=," separated by "/" (no leading ".", no empty segment), or sha256:<64 lower-case hex>',
  });

export const badBody = (field: string, message: string, hint: string): KernelError =>
  new KernelError('E_BAD_ENVELOPE', `artifacts: body field "${field}": ${message}`, { facts: { field }, hint });

export const notFound = (resource: string): KernelError =>
  new KernelError('E_NO_TARGET', `artifacts: nothing is stored under "${resource.slice(0, 200)}"`, {
    facts: { resource: resource.slice(0, 200), reason: 'not-found' },
    hint: 'put the artifact first, or list the refs you may read (op "list")',
  });

export const tooLarge = (size: number, limit: number): KernelError =>
  new KernelError('E_TOO_LARGE', `artifacts: a blob of ${size} bytes is over the store's limit of ${limit} bytes`, {
    facts: { size, limit },
    hint: 'store a smaller blob, or raise data.maxBlobBytes (and host.maxBodyBytes) for artifacts in the policy',
  });

export const damaged = (reason: DamageReason, hash: string, detail: string): KernelError =>
  new KernelError('E_TARGET_CRASHED', `artifacts: the stored blob ${hash.slice(0, 64)} is unusable: ${detail.slice(0, 200)}`, {
    facts: { hash: hash.slice(0, 64), reason },
    hint:
      reason === 'io'
        ? 'check the disk holding the artifact directory (space, permissions) and retry'
        : 'the store directory was altered outside the store: put the same content again to rewrite the blob, or restore the directory from a backup',
  });

/** The `code` of a thrown value, if it has a string one (KernelErrors from the endowments do). */
export const codeOf = (error: unknown): string | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};

/** Does an fs endowment error say the file does not exist? */
export const isMissing = (error: unknown): boolean => error instanceof Error && error.message.startsWith('ENOENT');

/**
 * Turn an fs endowment failure on a store entry into a coded error: a refusal by
 * the endowment (`E_DENIED`) means the entry resolves outside the store directory.
 */
export function storeFailure(error: unknown, hash: string): KernelError {
  if (codeOf(error) === 'E_DENIED') return damaged('outside-store', hash, 'its file resolves outside the store directory (a planted symlink?)');
  const detail = error instanceof Error ? error.message.split(':')[0] ?? 'EIO' : 'EIO';
  return damaged('io', hash, `disk I/O failed (${detail})`);
}
