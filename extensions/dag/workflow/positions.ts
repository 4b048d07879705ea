/**
 * Where things are in a workflow file: answers "which line and column holds the
 * value (or key) at this path?" over a parsed YAML document. Same approach as
 * policies/source.ts, without Node built-ins (this runs in the sandbox too).
 *
 * @module
 */
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LinePos } from '../../../policies/text-positions.js';

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

export type Locate = (path: readonly PropertyKey[], atKey?: boolean) => Position;

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/**
 * A locator over `doc`. A path that does not exist resolves to the nearest
 * enclosing node that does.
 *
 * @example
 * const locate = makeLocator(doc, textPositions(text));
 * locate(['nodes', 'count', 'needs', 0]) // { line: 7, col: 14 }
 */
export function makeLocator(doc: Document, linePos: LinePos): Locate {
  return (path, atKey = false) => {
    let node = doc.contents as Node | null;
    if (node === null) return { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const last = i === path.length - 1;
      let next: Node | null | undefined;
      if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment] as Node | null | undefined;
      } else if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (pair && last && atKey && pair.key) next = pair.key as Node;
        else next = pair ? ((pair.value ?? pair.key) as Node | null) : undefined;
      }
      if (!next || !next.range) break;
      node = next;
    }
    if (!node.range) return { line: 1, col: 1 };
    const { line, col } = linePos(node.range[0]);
    return { line, col };
  };
}

/** Keys that appear twice in one mapping: the second occurrence of each, with its path. */
export function duplicateKeys(doc: Document): { path: PropertyKey[]; key: string; offset: number }[] {
  const found: { path: PropertyKey[]; key: string; offset: number }[] = [];
  const visit = (node: unknown, path: PropertyKey[]): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        if (seen.has(key)) found.push({ path: [...path, key], key, offset: (pair.key as Node | null)?.range?.[0] ?? 0 });
        seen.add(key);
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    }
  };
  visit(doc.contents, []);
  return found;
}
