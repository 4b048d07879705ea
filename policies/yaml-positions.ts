/**
 * Where a value is in a parsed YAML file: "which line and column holds the value
 * (or key) at this path?". Shared by policy files and workflow files; pure (no
 * Node built-ins), so the workflow parser inside a sandbox can use it too.
 *
 * @module
 */
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LinePos } from './text-positions.js';

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** The position of the value at `path`, or of its key when `atKey` is set. */
export type Locate = (path: readonly PropertyKey[], atKey?: boolean) => Position;

/** The key of a map pair as a string (`1: x` has key "1"). */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

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
