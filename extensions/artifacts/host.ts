/**
 * Typed access to the sandbox endowments the artifact store uses: the `fs`
 * object its `host.fs` grant provides (paths are relative to the first granted
 * directory; the endowment refuses anything whose real path leaves it) and
 * `crypto.sha256`. No Node built-ins: this code runs in a SES Compartment.
 *
 * @module
 */
import { KernelError } from '../sdk/worker/index.js';

/** What `stat` answers (the endowment uses `lstat` on the resolved path). */
export interface FileInfo {
  readonly size: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly mtimeMs: number;
}

/** The `fs` endowment (docs/worker-extensions.md#endowments). */
export interface StoreFs {
  readonly roots: readonly { readonly path: string; readonly mode: 'read' | 'readwrite' }[];
  readFile(path: string): Promise<Uint8Array>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** `exclusive`: fail if the file exists (O_EXCL); `sync`: flush to disk (fsync) before resolving. */
  writeFile(path: string, data: string | Uint8Array, options?: { exclusive?: boolean; sync?: boolean }): Promise<void>;
  stat(path: string): Promise<FileInfo>;
  readdir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  rm(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

interface Endowed {
  readonly fs?: StoreFs;
  readonly crypto: { sha256(data: string | Uint8Array): string; randomUUID(): string };
}

const endowed = (): Endowed => globalThis as unknown as Endowed;

/** The `fs` endowment, or `E_POLICY_INVALID` naming the grant to add. */
export function storeFs(): StoreFs {
  const fs = endowed().fs;
  if (fs === undefined || fs.roots.length === 0) {
    throw new KernelError('E_POLICY_INVALID', 'artifacts: no directory to keep blobs in; grant one under artifacts.host.fs with mode readwrite', {
      hint: 'grant one directory under artifacts.host.fs with mode "readwrite" in the policy',
    });
  }
  if (fs.roots[0]!.mode !== 'readwrite') {
    throw new KernelError('E_POLICY_INVALID', 'artifacts: the store directory is granted read-only; set mode: readwrite on the first artifacts.host.fs grant', {
      facts: { directory: fs.roots[0]!.path },
      hint: 'set mode: readwrite on the first artifacts.host.fs grant',
    });
  }
  return fs;
}

/** Lower-case hex sha256 of `data` (a string is hashed as UTF-8). */
export const sha256 = (data: string | Uint8Array): string => endowed().crypto.sha256(data);

/** A fresh random id for temp file names. */
export const randomId = (): string => endowed().crypto.randomUUID();
