/**
 * Where things are in a workflow file: the shared YAML locator (the same one
 * policy files use), and the keys a mapping holds twice.
 *
 * @module
 */
import { isMap, isSeq, type Document, type Node } from 'yaml';
import { keyText } from '../../../policies/yaml-positions.js';

export { keyText, makeLocator, type Locate, type Position } from '../../../policies/yaml-positions.js';

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
