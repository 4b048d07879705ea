/**
 * A lookup table from patterns to values, built once, queried without allocating.
 *
 * Literal patterns live in a `Map`. Prefix patterns always end at a separator
 * (`/`, `.`, `:`), so a key can only match a prefix that ends at one of its own
 * separators: a query hashes the key as it walks it (FNV-1a, no substrings) and
 * looks up a bucket only at separator positions, confirming each candidate with
 * `startsWith`. The cost depends on the key's length and depth, not on how many
 * patterns there are.
 *
 * @module
 */
import { isPrefixPattern, PATTERN_SEPARATORS } from './pattern.js';

interface PrefixEntry<V> {
  readonly prefix: string;
  readonly value: V;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEPARATOR = new Uint8Array(128);
for (const separator of PATTERN_SEPARATORS) SEPARATOR[separator.charCodeAt(0)] = 1;

function prefixHash(prefix: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < prefix.length; i++) hash = Math.imul(hash ^ prefix.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

export class PatternIndex<V> {
  readonly #exact = new Map<string, V>();
  readonly #prefixes = new Map<number, PrefixEntry<V>[]>();
  /** The value for `*`, which matches every key. */
  #everything: V | undefined;

  /** The value stored under `pattern`, created with `make` on first use. */
  getOrCreate(pattern: string, make: () => V): V {
    if (!isPrefixPattern(pattern)) {
      let value = this.#exact.get(pattern);
      if (value === undefined) this.#exact.set(pattern, (value = make()));
      return value;
    }
    const prefix = pattern.slice(0, -1);
    if (prefix === '') return (this.#everything ??= make());
    const hash = prefixHash(prefix);
    let bucket = this.#prefixes.get(hash);
    if (bucket === undefined) this.#prefixes.set(hash, (bucket = []));
    let entry = bucket.find((candidate) => candidate.prefix === prefix);
    if (entry === undefined) bucket.push((entry = { prefix, value: make() }));
    return entry.value;
  }

  /**
   * Write every value whose pattern matches `key` into `out`, starting at index 0,
   * and return how many were written. `out` is reused by the caller between queries.
   */
  collect(key: string, out: V[]): number {
    let count = 0;
    if (this.#everything !== undefined) out[count++] = this.#everything;
    const exact = this.#exact.get(key);
    if (exact !== undefined) out[count++] = exact;
    if (this.#prefixes.size === 0) return count;
    let hash = FNV_OFFSET;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      hash = Math.imul(hash ^ code, FNV_PRIME);
      if (code >= 128 || SEPARATOR[code] === 0) continue;
      const bucket = this.#prefixes.get(hash >>> 0);
      if (bucket === undefined) continue;
      for (let b = 0; b < bucket.length; b++) {
        const entry = bucket[b]!;
        if (entry.prefix.length === i + 1 && key.startsWith(entry.prefix)) out[count++] = entry.value;
      }
    }
    return count;
  }
}
