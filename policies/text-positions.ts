/**
 * Line and column of a character offset, counted from the text itself. Pure
 * (no Node imports), so the workflow parser inside a sandbox can use it too.
 *
 * @module
 */

/** Turns a character offset into a 1-based line and column. */
export type LinePos = (offset: number) => { line: number; col: number };

/**
 * Line and column of an offset, counted from the text itself. (The yaml
 * parser's own line counter misses newlines it skips after a syntax error,
 * which would place later errors on the wrong line.)
 */
export function textPositions(text: string): LinePos {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - starts[low]! + 1 };
  };
}
