/**
 * Where things are in a policy file. A `PolicySource` wraps the parsed YAML
 * document (which keeps every node's offset) and answers "which line and column
 * holds the value at this path?", for error messages and for the `rule` id
 * (`<file>:<line>:<col>`) of every compiled grant.
 *
 * @module
 */
import { dirname, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LinePos } from './text-positions.js';

export { textPositions, type LinePos } from './text-positions.js';


/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A parsed policy file: its name as given, the directory relative paths resolve from, and positions. */
export interface PolicySource {
  /** The file name exactly as given to the loader; it prefixes every message and rule id. */
  readonly file: string;
  /** The absolute directory of the file: `module` and `host.fs` paths are relative to it. */
  readonly baseDir: string;
  /**
   * The position of the value at `path`, or of its key when `atKey` is set. A
   * path that does not exist resolves to the nearest enclosing node that does.
   */
  position(path: readonly PropertyKey[], atKey?: boolean): Position;
}

/** The key of a map pair as a string (`1: x` has key "1"). */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function findPair(node: Node, key: PropertyKey): { key: Node | null; value: Node | null } | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isPair(pair) && keyText(pair.key) === String(key)) {
      return { key: pair.key as Node | null, value: pair.value as Node | null };
    }
  }
  return undefined;
}

/**
 * Build a source over a parsed document.
 *
 * @example
 * const doc = parseDocument(text);
 * const source = makeSource('policies/demo.yaml', doc, textPositions(text));
 * source.position(['extensions', 'dag', 'allow', 0]) // { line: 9, col: 9 }
 */
export function makeSource(file: string, doc: Document, linePos: LinePos): PolicySource {
  const at = (offset: number): Position => {
    const { line, col } = linePos(offset);
    return { line, col };
  };
  return {
    file,
    baseDir: dirname(resolve(file)),
    position(path, atKey = false) {
      let node = doc.contents as Node | null;
      if (node === null) return { line: 1, col: 1 };
      for (let i = 0; i < path.length; i++) {
        const segment = path[i]!;
        const last = i === path.length - 1;
        let next: Node | null | undefined;
        if (isSeq(node) && typeof segment === 'number') {
          next = node.items[segment] as Node | null | undefined;
        } else {
          const pair = findPair(node, segment);
          if (pair && last && atKey && pair.key) next = pair.key;
          else next = pair ? (pair.value ?? pair.key) : undefined;
        }
        if (!next || !next.range) break;
        node = next;
      }
      return node.range ? at(node.range[0]) : { line: 1, col: 1 };
    },
  };
}
