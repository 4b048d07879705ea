/**
 * Where things are in a policy file. A `PolicySource` wraps the parsed YAML
 * document (which keeps every node's offset) and answers "which line and column
 * holds the value at this path?", for error messages and for the `rule` id
 * (`<file>:<line>:<col>`) of every compiled grant.
 *
 * @module
 */
import { dirname, resolve } from 'node:path';
import type { Document } from 'yaml';
import type { LinePos } from './text-positions.js';
import { makeLocator, type Position } from './yaml-positions.js';

export { textPositions, type LinePos } from './text-positions.js';
export { keyText, type Position } from './yaml-positions.js';

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

/**
 * Build a source over a parsed document.
 *
 * @example
 * const doc = parseDocument(text);
 * const source = makeSource('policies/demo.yaml', doc, textPositions(text));
 * source.position(['extensions', 'dag', 'allow', 0]) // { line: 9, col: 9 }
 */
export function makeSource(file: string, doc: Document, linePos: LinePos): PolicySource {
  return {
    file,
    baseDir: dirname(resolve(file)),
    position: makeLocator(doc, linePos),
  };
}
