/**
 * The workflow parser: every invalid workflow is refused with the exact
 * `file:line:col path: message`, a cycle is named, and a valid workflow yields
 * the plan the scheduler uses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { parseWorkflow, WorkflowInvalidError, workflowJsonSchema, workflowJsonSchemaText } from '../../../extensions/dag/workflow/index.js';

const head = 'version: 1\nname: x\nnodes:\n';
const INVALID: [string, string, string][] = [
  ['YAML syntax', `${head}  a: { use: copy\n`, 'wf.yaml:5:1 (syntax): Flow map in block collection must be sufficiently indented and end with a } [BAD_INDENT]'],
  ['an empty file', '', 'wf.yaml:1:1 (root): the workflow is empty; start it with "version: 1", "name:" and "nodes:"'],
  ['a key set twice', `${head}  a:\n    use: copy\n    use: copy2\n`, 'wf.yaml:6:5 nodes.a.use: "use" is set twice in this mapping; keep one'],
  ['a wrong version', 'version: 2\nname: x\nnodes:\n  a: { use: copy }\n', 'wf.yaml:1:10 version: expected 1, found 2'],
  ['a misspelt key', `${head}  a:\n    use: copy\n    retires: 3\n`, 'wf.yaml:6:5 nodes.a.retires: unknown key "retires"; did you mean "retries"?'],
  ['a bad node id', `${head}  Bad: { use: copy }\n`, 'wf.yaml:4:3 nodes.Bad: "Bad" is not a valid node id: use lower-case letters, digits, "_" or "-", starting with a letter'],
  ['a node without use', `${head}  a:\n    op: count\n`, 'wf.yaml:4:3 nodes.a: node "a" needs "use: <extension id>" (or "decide:" to pick one)'],
  ['an unknown dependency', `${head}  fetch: { use: copy }\n  b:\n    use: copy\n    needs: [fech]\n`, 'wf.yaml:7:13 nodes.b.needs[0]: no node named "fech"; did you mean "fetch"?'],
  ['a three-node cycle', `${head}  a: { use: copy, needs: [c], output: a.txt }\n  b: { use: copy, inputs: { x: { from: a } }, output: b.txt }\n  c:\n    use: copy\n    needs: [b]\n`, 'wf.yaml:4:3 nodes.a: dependency cycle: a → c → b → a; remove one of these dependencies'],
  ['a self-dependency', `${head}  a: { use: copy, needs: [a] }\n`, 'wf.yaml:4:3 nodes.a: dependency cycle: a → a; remove one of these dependencies'],
  ['a ref climbing out', `${head}  a:\n    use: copy\n    output: "../etc/passwd"\n`, 'wf.yaml:6:13 nodes.a.output: a ref must not contain "." or ".." segments; found "../etc/passwd"'],
  ['a wildcard input', `${head}  a:\n    use: copy\n    inputs: { x: "reports/*" }\n`, 'wf.yaml:6:18 nodes.a.inputs.x: an artifact ref is segments of letters, digits, ".", "_", "-" (or "{runId}") joined by "/"; found "reports/*"'],
  ['an output in the log prefix', `${head}  a:\n    use: copy\n    output: dag/runs/x/log/1\n`, 'wf.yaml:6:13 nodes.a.output: refs under "dag/" hold the tracker\'s event log; write elsewhere'],
  ['two writers of one ref', `${head}  a: { use: copy, output: o.txt }\n  b: { use: copy, output: o.txt }\n`, 'wf.yaml:5:27 nodes.b.output: "a" already writes "o.txt"; give each node its own output'],
  ['a node its own fallback', `${head}  a: { use: copy, fallback: a }\n`, 'wf.yaml:4:29 nodes.a.fallback: node "a" cannot be its own fallback; name another node'],
  ['a fallback with its own output', `${head}  a: { use: copy, fallback: b, output: o.txt }\n  b: { use: copy, output: p.txt }\n`, 'wf.yaml:5:27 nodes.b.output: "b" is the fallback of "a" and writes its output; remove "output:" here'],
  ['a dependency on a fallback', `${head}  a: { use: copy, fallback: b }\n  b: { use: copy }\n  c: { use: copy, needs: [b] }\n`, 'wf.yaml:6:3 nodes.c: "c" depends on "b", a fallback node; depend on "a" instead'],
  ['reading a node without output', `${head}  a: { use: copy }\n  b: { use: copy, inputs: { x: { from: a } } }\n`, 'wf.yaml:5:40 nodes.b.inputs.x.from: "a" has no "output:", so there is nothing to read; give it an output or use "needs:"'],
  ['negative retries', `${head}  a:\n    use: copy\n    retries: -1\n`, 'wf.yaml:6:14 nodes.a.retries: expected at least 0, found -1'],
  ['lease: false', `${head}  a:\n    use: copy\n    lease: false\n`, 'wf.yaml:6:12 nodes.a.lease: expected true or { instrument, ttlMs }, found boolean false'],
  ['a misspelt condition', `${head}  a:\n    use: copy\n    when: { exist: x.txt }\n`, 'wf.yaml:6:13 nodes.a.when.exist: unknown key "exist"; did you mean "exists"?'],
  ['a missing name', 'version: 1\nnodes:\n  a: { use: copy }\n', 'wf.yaml:1:1 (root): "name" is required: add "name:"'],
  ['no nodes', `${head.replace('nodes:\n', 'nodes: {}\n')}`, 'wf.yaml:3:8 nodes: a workflow needs at least one node'],
  ['jitter over 1', `${head}  a:\n    use: copy\n    backoff: { jitter: 2 }\n`, 'wf.yaml:6:24 nodes.a.backoff.jitter: expected at most 1, found 2'],
  ['a fallback using what its node cannot', `${head}  a: { use: copy, output: a.txt }\n  b: { use: copy, fallback: c }\n  c: { use: copy, needs: [a] }\n`, 'wf.yaml:6:3 nodes.c: fallback "c" depends on "a", which "b" does not depend on; a fallback may only use what its node could'],
];

function problemsOf(text: string): string {
  try {
    parseWorkflow(text, 'wf.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowInvalidError);
    expect((error as WorkflowInvalidError).code).toBe('E_BAD_ENVELOPE');
    return (error as Error).message;
  }
  throw new Error('the workflow was accepted');
}

describe('parseWorkflow refuses', () => {
  it.each(INVALID)('%s', (_name, text, expected) => {
    expect(problemsOf(text)).toBe(expected);
  });

  it('lists every problem, sorted by position, with facts for the first', () => {
    const text = `${head}  b: { use: copy, needs: [zz] }\n  a:\n    use: copy\n    timeoutMs: 0\n`;
    try {
      parseWorkflow(text, 'wf.yaml');
      expect.unreachable();
    } catch (error) {
      const e = error as WorkflowInvalidError;
      expect(e.problems.map((p) => `${p.line}:${p.col}`)).toEqual(['7:16']);
      expect(e.facts).toMatchObject({ file: 'wf.yaml', line: 7, col: 16 });
    }
    const both = `${head}  b: { use: copy, needs: [zz] }\n  a: { use: copy, needs: [b, yy] }\n`;
    expect(problemsOf(both).split('\n')).toEqual([
      'wf.yaml:4:27 nodes.b.needs[0]: no node named "zz"; the nodes are: b, a',
      'wf.yaml:5:30 nodes.a.needs[1]: no node named "yy"; the nodes are: b, a',
    ]);
  });
});

describe('parseWorkflow accepts', () => {
  it('builds the plan: dependencies from needs, from and when; fallbacks both ways', () => {
    const { workflow, plan } = parseWorkflow(
      `${head}  a: { use: copy, output: "out/{runId}/a.txt" }\n  b: { use: copy, inputs: { x: { from: a } }, fallback: c }\n  c: { use: copy, needs: [a] }\n  d: { use: copy, needs: [b], when: { node: a, path: chars, equals: 3 } }\n`,
    );
    expect(plan.order).toEqual(['a', 'b', 'c', 'd']);
    expect(Object.fromEntries(plan.deps)).toEqual({ a: [], b: ['a'], c: ['a'], d: ['b', 'a'] });
    expect(plan.fallbackOf.get('b')).toBe('c');
    expect(plan.ownerOf.get('c')).toBe('b');
    expect(workflow.nodes.a!.op).toBe('handle');
    expect(workflow.nodes.b!.resource).toBe('');
  });

  it('accepts the example in docs/workflows.md, and the JSON Schema agrees', () => {
    const doc = readFileSync(new URL('../../../docs/workflows.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const { workflow, plan } = parseWorkflow(example, 'docs/workflows.md');
    expect(plan.order).toEqual(['fetch', 'count', 'summary', 'summary-short', 'publish']);
    expect(plan.fallbackOf.get('summary')).toBe('summary-short');
    const validate = new Ajv({ strict: false }).compile(workflowJsonSchema());
    expect(validate(parse(example))).toBe(true);
    expect(validate({ ...workflow, nodes: { a: { use: 'x', retires: 1 } } })).toBe(false);
  });

  it('accepts the demo workflow npm start runs', () => {
    const text = readFileSync(new URL('../../../examples/workflows/demo.yaml', import.meta.url), 'utf8');
    const { plan } = parseWorkflow(text, 'examples/workflows/demo.yaml');
    expect(plan.ownerOf.get('headline-fallback')).toBe('headline');
    expect(plan.deps.get('publish')).toEqual(['digest', 'headline']);
  });

  it('the checked-in JSON Schema is generated from the zod schema', () => {
    const file = readFileSync(new URL('../../../extensions/dag/workflow.schema.json', import.meta.url), 'utf8');
    expect(file).toBe(workflowJsonSchemaText());
  });
});
