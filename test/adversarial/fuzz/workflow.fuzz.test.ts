/**
 * Fuzzing workflow files into `parseWorkflow` (extensions/dag/workflow/parse.ts),
 * which the DAG tracker runs on every `run` body and the CLI on every file:
 * random text, YAML soup with anchors, tags and merge keys, mutated copies of
 * the demo workflow and the docs example, and generated graphs (cycles, unknown
 * nodes, self-fallbacks, huge fan-out). A workflow either parses or is refused
 * with one `WorkflowInvalidError` (E_BAD_ENVELOPE) whose every problem has a
 * line and column inside the text; no other exception, ever.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_WORKFLOW_CHARS, parseWorkflow, WorkflowInvalidError, type WorkflowProblem } from '../../../extensions/dag/workflow/index.js';
import { assertCoded, figure, LONG, runs, SEED } from './harness.js';
import { randomText as randomTextOf, textEdits, YAML_FRAGMENTS } from './text-arbitraries.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const DEMO = readFileSync(path.join(ROOT, 'examples/workflows/demo.yaml'), 'utf8');
const DOCS = /```yaml\n([\s\S]*?)```/.exec(readFileSync(path.join(ROOT, 'docs/workflows.md'), 'utf8'))![1]!;
const SHIPPED = [
  { file: 'examples/workflows/demo.yaml', text: DEMO },
  { file: 'docs/workflows.md', text: DOCS },
];

const outcomes = { cases: 0, parsed: 0, refused: 0, problems: 0, cycles: 0 };

/** Parse `text`; a refusal must be a WorkflowInvalidError placing every problem inside the text. */
function check(text: string, file: string): 'parsed' | WorkflowInvalidError {
  outcomes.cases++;
  try {
    parseWorkflow(text, file);
    outcomes.parsed++;
    return 'parsed';
  } catch (error) {
    const coded = assertCoded(error, 'parseWorkflow');
    if (!(coded instanceof WorkflowInvalidError)) throw new Error(`refused with a ${coded.constructor.name} (${coded.code}), not a WorkflowInvalidError: ${coded.message}`);
    if (coded.code !== 'E_BAD_ENVELOPE') throw new Error(`refused with ${coded.code}`);
    if (coded.problems.length === 0) throw new Error('refused with no problem listed');
    assertPlaced(coded.problems, text, file);
    outcomes.refused++;
    outcomes.problems += coded.problems.length;
    if (coded.problems.some((p) => /cycle/i.test(p.message))) outcomes.cycles++;
    return coded;
  }
}

function assertPlaced(problems: readonly WorkflowProblem[], text: string, file: string): void {
  const lines = text.split('\n');
  for (const p of problems) {
    const where = `${p.line}:${p.col} ${p.path}: ${p.message}`;
    if (p.file !== file) throw new Error(`problem names file ${p.file}, not ${file}`);
    if (!Number.isInteger(p.line) || !Number.isInteger(p.col) || p.line < 1 || p.col < 1) throw new Error(`bad position ${where}`);
    if (p.line > lines.length) throw new Error(`line past the end of a ${lines.length}-line text: ${where}`);
    if (p.col > lines[p.line - 1]!.length + 1) throw new Error(`column past the end of line ${p.line} (${lines[p.line - 1]!.length} chars): ${where}`);
    if (typeof p.message !== 'string' || p.message.length === 0) throw new Error(`problem without a message at ${p.line}:${p.col}`);
  }
}

// YAML's sharp edges and the workflow format's own words.
const FRAGMENTS = [
  'version: 1', 'version: 2', 'name: w', 'nodes:', '  a:', '  b:', '    use: wordcount', '    op: task', '    needs: [a]', '    needs: [b]', '    needs: [zz]',
  '    fallback: a', '    fallback: b', '    inputs: { t: { from: a } }', '    inputs: { t: { from: b } }', '    output: "reports/{runId}/x"', '    output: dag/x',
  '    retries: -1', '    retries: 99999999999', '    timeoutMs: 0', '    lease: true', '    when: { node: a, path: x, equals: 1 }', '    decide: { kind: instrument, candidates: [] }',
  'defaults: { timeoutMs: 5000 }', ...YAML_FRAGMENTS, 'nodes: {__proto__: {use: x}}', 'nodes: {constructor: {use: x}}',
];
const randomText = randomTextOf(FRAGMENTS);

/** One edit of a shipped workflow (same shapes as the policy fuzzer's). */
const edit = fc.oneof(
  ...textEdits(FRAGMENTS),
  // Rename a node reference: dangling needs/from/fallback, or a new cycle.
  fc.tuple(fc.constantFrom('count', 'summary', 'headline', 'digest', 'publish', 'fetch'), fc.constantFrom('count', 'summary', 'digest', 'publish', 'nope', 'fetch', 'a b')).map(([from, to]) => (t: string) => {
    const at = t.indexOf(`from: ${from}`);
    return at === -1 ? t.replace(`needs: [`, `needs: [${to}, `) : t.slice(0, at) + `from: ${to}` + t.slice(at + 6 + from.length);
  }),
);

/** Generated graphs: node i needs / reads from / falls back to random nodes (cycles, self-loops, unknowns). */
const graph = fc
  .record({
    n: fc.integer({ min: 1, max: 12 }),
    edges: fc.array(fc.tuple(fc.nat(14), fc.nat(14), fc.constantFrom('needs', 'from', 'fallback')), { maxLength: 16 }),
    flow: fc.boolean(),
  })
  .map(({ n, edges, flow }) => {
    const id = (i: number): string => (i < n ? `n${i}` : `ghost${i}`);
    const nodes: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < n; i++) nodes[id(i)] = { use: 'wordcount', op: 'task', output: `out/{runId}/${i}` };
    for (const [a, b, kind] of edges) {
      const node = nodes[id(a % n)]!;
      if (kind === 'needs') node.needs = [...((node.needs as string[]) ?? []), id(b)];
      else if (kind === 'from') node.inputs = { ...((node.inputs as object) ?? {}), [`i${b}`]: { from: id(b) } };
      else node.fallback = id(b);
    }
    const workflow = { version: 1, name: 'g', nodes };
    return flow ? JSON.stringify(workflow) : toBlockYaml(workflow);
  });

/** A small block-style YAML writer (so positions are exercised on block syntax, not only JSON). */
function toBlockYaml(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return Object.entries(value)
    .map(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? `\n${indent}${k}:${toBlockYaml(v, indent + '  ')}` : `\n${indent}${k}: ${toBlockYaml(v, indent + '  ')}`))
    .join('')
    .replace(/^\n/, indent === '' ? '' : '\n');
}

describe('fuzz: workflow files into parseWorkflow', () => {
  afterAll(() => {
    figure('workflow fuzz cases', outcomes.cases);
    figure('workflow fuzz parsed/refused (problems placed; refusals naming a cycle)', `${outcomes.parsed}/${outcomes.refused} (${outcomes.problems}; ${outcomes.cycles})`);
  });

  it('the shipped workflows parse as they are', () => {
    for (const { file, text } of SHIPPED) expect(check(text, file), file).toBe('parsed');
  });

  it('random text and YAML soup: parsed, or E_BAD_ENVELOPE with every problem inside the text', () => {
    fc.assert(fc.property(randomText, (text) => void check(text, 'fuzz.yaml')), { numRuns: runs(5_000), seed: SEED });
  }, LONG ? 600_000 : 30_000);

  it('mutated demo and docs workflows: parsed, or refused with placed problems', () => {
    const before = { ...outcomes };
    fc.assert(
      fc.property(fc.nat(SHIPPED.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, edits) => {
        const { file, text } = SHIPPED[which]!;
        check(edits.reduce((t, apply) => apply(t), text), file);
      }),
      { numRuns: runs(3_000), seed: SEED },
    );
    expect(outcomes.parsed - before.parsed).toBeGreaterThan(150);
    expect(outcomes.refused - before.refused).toBeGreaterThan(1_000);
  }, LONG ? 600_000 : 30_000);

  it('generated graphs: cycles, unknown nodes and fallbacks are refused with placed problems; acyclic ones parse', () => {
    const before = { ...outcomes };
    fc.assert(fc.property(graph, (text) => void check(text, 'graph.yaml')), { numRuns: runs(2_000), seed: SEED });
    expect(outcomes.cycles - before.cycles).toBeGreaterThan(50);
    expect(outcomes.parsed - before.parsed).toBeGreaterThan(50);
  }, LONG ? 600_000 : 30_000);

  it('a cycle is named with its nodes, at the line of a node in it', () => {
    const text = 'version: 1\nname: c\nnodes:\n  a:\n    use: wordcount\n    needs: [b]\n  b:\n    use: wordcount\n    needs: [a]\n';
    const refused = check(text, 'c.yaml');
    expect(refused).toBeInstanceOf(WorkflowInvalidError);
    const cycle = (refused as WorkflowInvalidError).problems.find((p) => /cycle/i.test(p.message))!;
    expect(cycle.message).toMatch(/a → b → a|b → a → b/);
    expect([4, 6, 7, 9]).toContain(cycle.line);
  });

  it('huge fan-out, over-long text and alias bombs: refused quickly with a placed problem, or parsed', () => {
    const fanOut = `version: 1\nname: f\nnodes:\n  root:\n    use: wordcount\n${Array.from({ length: 2_000 }, (_, i) => `  n${i}:\n    use: wordcount\n    needs: [root]\n`).join('')}`;
    const sink = `${fanOut}  sink:\n    use: wordcount\n    needs: [${Array.from({ length: 2_000 }, (_, i) => `n${i}`).join(', ')}]\n`;
    const bomb = `version: 1\nname: b\na0: &a0 [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 12 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}]`).join('\n')}\nnodes: { x: { use: *a12 } }\n`;
    const long = `version: 1\nname: l\n# ${'x'.repeat(MAX_WORKFLOW_CHARS)}\nnodes: {}\n`;
    for (const [label, text] of [['fan-out', fanOut], ['fan-in', sink], ['alias bomb', bomb], ['over-long', long]] as const) {
      const started = performance.now();
      const outcome = check(text, `${label}.yaml`);
      expect(performance.now() - started, label).toBeLessThan(5_000);
      if (label === 'alias bomb' || label === 'over-long') expect(outcome, label).toBeInstanceOf(WorkflowInvalidError);
    }
  }, 30_000);
});
