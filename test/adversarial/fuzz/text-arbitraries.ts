/**
 * Hostile text for the file fuzzers (policy files, workflow files): YAML soup
 * built from a file kind's own fragments, random text of every sort, and the
 * edits that turn a valid shipped file into a nearly valid one.
 *
 * @module
 */
import fc from 'fast-check';
import { nastyString } from './harness.js';

/** Fragments of YAML syntax every kind of file is fuzzed with, besides its own. */
export const YAML_FRAGMENTS = [
  'a: &a {b: 1}', 'c: *a', '<<: *a', '*', '&x', '!!binary AAAA', '!!js/function x', '%YAML 1.2', '---', '...', '|', '>-', '"\\u0000"',
  "'", '"', '#', '\t', ' ', ':', '- ', '? ', '{', '}', '[', ']', ',', '\r', '\ufeff', '__proto__: {}',
];

/** Up to 24 fragments (or nasty strings) joined by newlines and indents. */
export function yamlSoup(fragments: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fragments) }, { weight: 1, arbitrary: nastyString.map((s) => s.slice(0, 40)) }), { maxLength: 24 })
    .chain((parts) => fc.array(fc.constantFrom('\n', ' ', '', '\n  ', '\n    '), { minLength: parts.length, maxLength: parts.length }).map((seps) => parts.map((p, i) => p + seps[i]).join('')));
}

/** Any text: unicode, binary, YAML soup, JSON. */
export function randomText(fragments: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), yamlSoup(fragments), fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)));
}

const lineEdit = (change: (lines: string[], a: number) => void) => (a: number) => (t: string) => {
  const lines = t.split('\n');
  change(lines, a % lines.length);
  return lines.join('\n');
};

/** One edit of a valid file: cut, insert a fragment, swap two lines, re-indent a line, repeat a line. */
export function textEdits(fragments: readonly string[]): fc.Arbitrary<(text: string) => string>[] {
  return [
    fc.tuple(fc.nat(), fc.nat(40)).map(([at, n]) => (t: string) => t.slice(0, at % (t.length + 1)) + t.slice((at % (t.length + 1)) + n)),
    fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...fragments), nastyString.map((s) => s.slice(0, 30)))).map(([at, s]) => (t: string) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1))),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (t: string) => {
      const lines = t.split('\n');
      const [i, j] = [a % lines.length, b % lines.length];
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }),
    fc.tuple(fc.nat(), fc.constantFrom('', ' ', '  ', '\t')).map(([a, indent]) => lineEdit((lines, i) => (lines[i] = indent + lines[i]!.trimStart()))(a)),
    fc.nat().map(lineEdit((lines, i) => lines.splice(i, 0, lines[i]!))),
  ];
}
