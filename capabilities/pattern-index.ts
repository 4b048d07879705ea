/**
 * A lookup table from patterns to values, built once, queried without allocating.
 *
 * Literal patterns live in a `Map`; prefix patterns live in a character trie that
 * holds only prefixes, so a query walks at most as far as the longest prefix that
 * shares the key's first characters. The cost depends on the key, not on how many
 * patterns there are.
 *
 * @module
 */
import { isPrefixPattern } from './pattern.js';

interface TrieNode<V> {
  value: V | undefined;
  children: Map<number, TrieNode<V>> | undefined;
}

export class PatternIndex<V> {
  readonly #exact = new Map<string, V>();
  readonly #root: TrieNode<V> = { value: undefined, children: undefined };
  #prefixes = 0;

  /** The value stored under `pattern`, created with `make` on first use. */
  getOrCreate(pattern: string, make: () => V): V {
    if (!isPrefixPattern(pattern)) {
      let value = this.#exact.get(pattern);
      if (value === undefined) this.#exact.set(pattern, (value = make()));
      return value;
    }
    let node = this.#root;
    for (let i = 0; i < pattern.length - 1; i++) {
      const code = pattern.charCodeAt(i);
      node.children ??= new Map();
      let next = node.children.get(code);
      if (next === undefined) node.children.set(code, (next = { value: undefined, children: undefined }));
      node = next;
    }
    if (node.value === undefined) {
      node.value = make();
      this.#prefixes++;
    }
    return node.value;
  }

  /**
   * Write every value whose pattern matches `key` into `out`, starting at index 0,
   * and return how many were written. `out` is reused by the caller between queries.
   */
  collect(key: string, out: V[]): number {
    let count = 0;
    const exact = this.#exact.get(key);
    if (exact !== undefined) out[count++] = exact;
    if (this.#prefixes === 0) return count;
    let node: TrieNode<V> | undefined = this.#root;
    for (let i = 0; node !== undefined; i++) {
      if (node.value !== undefined) out[count++] = node.value;
      if (i === key.length || node.children === undefined) break;
      node = node.children.get(key.charCodeAt(i));
    }
    return count;
  }
}
