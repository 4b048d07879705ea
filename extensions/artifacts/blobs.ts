/**
 * Blobs on disk, named by their sha256. Writes go to `tmp/` first and are
 * renamed into place, so a file under a hash is always a whole write (rename is
 * atomic within one directory tree); reads re-hash the bytes, so a blob changed
 * or truncated on disk is reported (`E_TARGET_CRASHED`, `reason: "corrupt"`),
 * never served.
 *
 * Temp files are created exclusively (O_EXCL) and flushed (fsync) before the
 * rename, so what lands under a hash is on disk. The directory entry of the
 * rename itself is not fsynced (the endowment has no directory fsync): after a
 * power cut the blob may be missing, never half-written; the hash check on read
 * would still catch a damaged one, and putting the content again rewrites it.
 *
 * @module
 */
import { damaged, isMissing, storeFailure } from './failures.js';
import { randomId, sha256, type StoreFs } from './host.js';
import { BLOBS_DIR, TMP_DIR, blobDir, blobFile, isHash, tmpFile } from './names.js';

/** A blob as found on disk. */
export interface BlobInfo {
  readonly hash: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export class BlobStore {
  readonly #fs: StoreFs;
  /** Hashes puts are writing or about to reference; gc leaves them alone. */
  readonly #held = new Map<string, number>();

  constructor(fs: StoreFs) {
    this.#fs = fs;
  }

  /** Create the layout and drop temp files left by a crash (no write is in flight at start). */
  async open(): Promise<number> {
    await this.#fs.mkdir(BLOBS_DIR);
    await this.#fs.mkdir(TMP_DIR);
    const leftovers = await this.#fs.readdir(TMP_DIR);
    for (const name of leftovers) await this.#fs.rm(`${TMP_DIR}/${name}`);
    return leftovers.length;
  }

  /** Size and age of blob `hash`, or `undefined` if there is none. */
  async stat(hash: string): Promise<BlobInfo | undefined> {
    let info;
    try {
      info = await this.#fs.stat(blobFile(hash));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeFailure(error, hash);
    }
    if (!info.isFile) throw damaged('not-a-file', hash, 'its entry is not a regular file');
    return { hash, size: info.size, mtimeMs: info.mtimeMs };
  }

  /** The bytes of blob `hash`, checked against the hash; `undefined` if there is none. */
  async read(hash: string): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#fs.readFile(blobFile(hash));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeFailure(error, hash);
    }
    const actual = sha256(bytes);
    if (actual !== hash) throw damaged('corrupt', hash, `its content hashes to ${actual}`);
    return bytes;
  }

  /**
   * Keep gc away from `hash` until the returned function is called: a put holds
   * its blob from before the write until its ref is in place.
   */
  hold(hash: string): () => void {
    this.#held.set(hash, (this.#held.get(hash) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(hash) ?? 1) - 1;
      if (left === 0) this.#held.delete(hash);
      else this.#held.set(hash, left);
    };
  }

  /** Is a put holding `hash`? */
  isHeld(hash: string): boolean {
    return this.#held.has(hash);
  }

  /**
   * Store `bytes` under their hash. Answers whether a file was written: `false`
   * when an intact copy was already there; a damaged copy is replaced.
   */
  async write(hash: string, bytes: Uint8Array): Promise<boolean> {
    const intact = await this.read(hash).then((existing) => existing !== undefined, () => false);
    if (intact) return false;
    const temp = tmpFile(randomId());
    try {
      await this.#fs.mkdir(blobDir(hash));
      await this.#fs.writeFile(temp, bytes, { exclusive: true, sync: true });
      await this.#fs.rename(temp, blobFile(hash));
    } catch (error) {
      await this.#fs.rm(temp).catch(() => undefined);
      throw storeFailure(error, hash);
    }
    return true;
  }

  /** Remove blob `hash` (gc only). */
  async remove(hash: string): Promise<void> {
    await this.#fs.rm(blobFile(hash)).catch((error: unknown) => {
      throw storeFailure(error, hash);
    });
  }

  /** Every blob on disk; entries that are not `<hh>/<hash>` regular files are skipped. */
  async all(): Promise<BlobInfo[]> {
    const found: BlobInfo[] = [];
    for (const fan of await this.#fs.readdir(BLOBS_DIR)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      let names: string[];
      try {
        names = await this.#fs.readdir(`${BLOBS_DIR}/${fan}`);
      } catch {
        continue; // not a directory, or one that resolves outside the store
      }
      for (const name of names) {
        if (!isHash(name) || !name.startsWith(fan)) continue;
        const info = await this.stat(name).catch(() => undefined);
        if (info) found.push(info);
      }
    }
    return found;
  }

  /** The file system's current time: the mtime of a file written now (the store has no clock grant). */
  async now(): Promise<number> {
    const probe = tmpFile(randomId());
    try {
      await this.#fs.writeFile(probe, '');
      return (await this.#fs.stat(probe)).mtimeMs;
    } finally {
      await this.#fs.rm(probe).catch(() => undefined);
    }
  }
}
