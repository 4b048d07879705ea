/**
 * Fuzzing the policy loader: random YAML-ish text and mutated copies of the
 * shipped policies (`policies/default.yaml`, `policies/examples/*`) into
 * `parsePolicy` (and `compilePolicy` when it parses). Properties: the only thing
 * ever thrown is a `KernelError` with code `E_POLICY_INVALID`, and every problem
 * it lists points at a line and column that exist in the text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePolicy, parsePolicy, PolicyInvalidError, type PolicyProblem } from '../../../policies/index.js';
import { assertCoded, figure, LONG, runs, SEED } from './harness.js';
import { randomText as randomTextOf, textEdits, YAML_FRAGMENTS } from './text-arbitraries.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const SHIPPED = [
  path.join(ROOT, 'policies', 'default.yaml'),
  ...readdirSync(path.join(ROOT, 'policies', 'examples')).map((name) => path.join(ROOT, 'policies', 'examples', name)),
].map((file) => ({ file: path.relative(ROOT, file), text: readFileSync(file, 'utf8') }));

const outcomes = { parsed: 0, refused: 0, cases: 0 };
/** YAML syntax problems placed past the end of their line: the known bug tested by the `it.fails` below. */
const misplacedSyntax: string[] = [];

/** Parse (and compile) `text`; fail the property on anything but a well-placed E_POLICY_INVALID. */
function check(text: string, fileName: string): void {
  outcomes.cases++;
  let parsed: ReturnType<typeof parsePolicy>;
  try {
    parsed = parsePolicy(text, fileName);
  } catch (error) {
    const coded = assertCoded(error, 'parsePolicy');
    if (coded.code !== 'E_POLICY_INVALID') throw new Error(`parsePolicy threw ${coded.code}`);
    if (!(coded instanceof PolicyInvalidError) || coded.problems.length === 0) throw new Error('E_POLICY_INVALID without problems');
    assertPlaced(coded.problems, text);
    outcomes.refused++;
    return;
  }
  outcomes.parsed++;
  try {
    compilePolicy(parsed.policy, parsed.source);
  } catch (error) {
    const coded = assertCoded(error, 'compilePolicy');
    if (coded.code !== 'E_POLICY_INVALID') throw new Error(`compilePolicy threw ${coded.code}`);
  }
}

/** Every problem's line exists, and its column is within that line (or just past its end). */
function assertPlaced(problems: readonly PolicyProblem[], text: string): void {
  const lines = text.split('\n');
  for (const problem of problems) {
    const { line, col } = problem;
    if (!Number.isInteger(line) || !Number.isInteger(col) || line < 1 || col < 1) throw new Error(`bad position ${line}:${col} for ${problem.message}`);
    if (line > lines.length) throw new Error(`line ${line} is past the end of a ${lines.length}-line file (${problem.message})`);
    const length = lines[line - 1]!.length;
    if (col > length + 1 && problem.path === '(syntax)') {
      misplacedSyntax.push(`${JSON.stringify(text.slice(0, 120))} → ${line}:${col} ${problem.message}`);
      continue;
    }
    if (col > length + 1) throw new Error(`column ${col} is past the end of line ${line} (${length} characters): ${problem.message}`);
  }
}

// YAML's sharp edges: anchors, aliases, merge keys, tags, directives, flow and block scalars.
const FRAGMENTS = [
  'version: 1', 'version: 2', 'extensions:', '  x:', '    sandbox: worker', '    sandbox: host', '    module: ./m.js', '    why: w', '    allow:',
  '      - call: "*"', '      - publish: a.*', '        ops: [get]', '    deny: []', ...YAML_FRAGMENTS,
  'extensions: {__proto__: {sandbox: host, why: x}}', 'sha256: 00', 'host: {memoryMb: 99999}', 'data: {a: [1, {b: null}]}',
];
const randomText = randomTextOf(FRAGMENTS);

/** One edit of a shipped policy. */
const edit = fc.oneof(...textEdits(FRAGMENTS));

describe('fuzz: policy files', () => {
  afterAll(() => {
    figure('policy fuzz cases', outcomes.cases);
    figure('policy fuzz parsed/refused', `${outcomes.parsed}/${outcomes.refused}`);
    figure('policy fuzz misplaced syntax positions (known bug)', misplacedSyntax.length);
  });

  it('the shipped policies parse as they are', () => {
    for (const { file, text } of SHIPPED) expect(() => parsePolicy(text, file), file).not.toThrow();
    expect(SHIPPED.length).toBeGreaterThanOrEqual(4);
  });

  it('random text: only E_POLICY_INVALID, at a line and column inside the file', () => {
    fc.assert(fc.property(randomText, (text) => check(text, 'fuzz.yaml')), { numRuns: runs(7_000), seed: SEED });
  }, LONG ? 600_000 : 30_000);

  it('mutated shipped policies: only E_POLICY_INVALID, at a line and column inside the file', () => {
    const before = { ...outcomes };
    fc.assert(
      // The 164-line default policy costs ~4 ms a parse; it gets one case in five, the small examples the rest.
      fc.property(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: SHIPPED.length - 1 }) }), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, edits) => {
        const { file, text } = SHIPPED[which]!;
        check(edits.reduce((t, apply) => apply(t), text), file);
      }),
      { numRuns: runs(3_000), seed: SEED },
    );
    // Both outcomes must be common, or the mutations are not testing much.
    expect(outcomes.parsed - before.parsed).toBeGreaterThan(200);
    expect(outcomes.refused - before.refused).toBeGreaterThan(1_000);
  }, LONG ? 600_000 : 30_000);

  // Positions are counted from the text: the yaml parser's line counter skips newlines after an
  // error, which once placed later errors on an earlier line, past its end.
  it('places every YAML syntax error inside its line', () => {
    const text = '  x:\n!!js/function x\nversion: 1\n';
    let problems: readonly PolicyProblem[] = [];
    try {
      parsePolicy(text, 'p.yaml');
    } catch (error) {
      problems = (error as PolicyInvalidError).problems;
    }
    expect(problems.find((p) => p.message.startsWith('Unexpected map-value-ind'))).toMatchObject({ line: 3, col: 8 });
    expect(misplacedSyntax.slice(0, 5)).toEqual([]);
  });
});
