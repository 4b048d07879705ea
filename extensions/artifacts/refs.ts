/**
 * The refs index: ref → blob hash, kept in memory for lookups and persisted as
 * one small JSON file per ref (`refs/<sha256(ref)>.json`), written to `tmp/` and
 * renamed into place. Rebuilt from those files at start; a file that does not
 * parse, names an invalid ref, or sits under the wrong name (planted, or not
 * ours) is skipped and reported, never trusted.
 *
 * @module
 */
import { z } from '../sdk/worker/index.js';
import { isMissing, storeFailure } from './failures.js';
import { randomId, type StoreFs } from './host.js';
import { REFS_DIR, isHash, isRef, refFile, tmpFile } from './names.js';

export const RefRecord = z
  .object({
    ref: z.string().refine(isRef, 'not a valid ref'),
    hash: z.string().refine(isHash, 'not a sha256'),
    size: z.number().int().nonnegative(),
    contentType: z.string().max(100).optional(),
  })
  .strict();
export type RefRecord = z.infer<typeof RefRecord>;

export class RefIndex {
  readonly #fs: StoreFs;
  readonly #refs = new Map<string, RefRecord>();

  constructor(fs: StoreFs) {
    this.#fs = fs;
  }

  /** Read every ref file; answers the names of the files that were skipped. */
  async load(): Promise<string[]> {
    await this.#fs.mkdir(REFS_DIR);
    const skipped: string[] = [];
    for (const name of await this.#fs.readdir(REFS_DIR)) {
      const record = await this.#readRecord(name);
      if (record && refFile(record.ref) === `${REFS_DIR}/${name}`) this.#refs.set(record.ref, record);
      else skipped.push(name.slice(0, 100));
    }
    return skipped;
  }

  async #readRecord(name: string): Promise<RefRecord | undefined> {
    try {
      const parsed = RefRecord.safeParse(JSON.parse(await this.#fs.readFile(`${REFS_DIR}/${name}`, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // unreadable, not JSON, or resolves outside the store
    }
  }

  get(ref: string): RefRecord | undefined {
    return this.#refs.get(ref);
  }

  /** Refs pointing at `hash`, sorted. */
  refsTo(hash: string): string[] {
    return [...this.#refs.values()].filter((record) => record.hash === hash).map((record) => record.ref).sort();
  }

  /** Refs starting with `prefix`, sorted, at most `limit`. */
  list(prefix: string, limit: number): RefRecord[] {
    const matches = [...this.#refs.values()].filter((record) => record.ref.startsWith(prefix));
    return matches.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)).slice(0, limit);
  }

  /** Every hash some ref points to. */
  referenced(): Set<string> {
    return new Set([...this.#refs.values()].map((record) => record.hash));
  }

  /** Point `record.ref` at `record.hash`, on disk first. Callers hold the store's lock. */
  async set(record: RefRecord): Promise<void> {
    const temp = tmpFile(randomId());
    try {
      await this.#fs.writeFile(temp, JSON.stringify(record), { exclusive: true, sync: true });
      await this.#fs.rename(temp, refFile(record.ref));
    } catch (error) {
      await this.#fs.rm(temp).catch(() => undefined);
      throw storeFailure(error, record.hash);
    }
    this.#refs.set(record.ref, record);
  }

  /** Remove `ref`; answers whether it existed. Callers hold the store's lock. */
  async delete(ref: string): Promise<boolean> {
    const record = this.#refs.get(ref);
    if (!record) return false;
    try {
      await this.#fs.rm(refFile(ref));
    } catch (error) {
      if (!isMissing(error)) throw storeFailure(error, record.hash);
    }
    this.#refs.delete(ref);
    return true;
  }
}
