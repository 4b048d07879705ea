/**
 * The test policy: the tracker from dist/ with the grants it needs (including
 * the proposed `list` on its log prefix), and the fixture instrument under
 * several ids, each with its mode in `data`.
 *
 * @module
 */
export const INSTRUMENTS = { copy: 'copy', copy2: 'copy', flaky: 'flaky', slow: 'slow', escape: 'escape', crashy: 'crash' } as const;

/** The instrument's own limit: the crashing one is stopped by its sandbox long before a node deadline. */
const OWN_LIMIT_MS: Partial<Record<string, number>> = { crash: 500 };

/** `realArtifacts`: run the real store (module, data directory) instead of naming a placeholder. */
export function testPolicy(dagModule: string, instrumentModule: string, dagData: Record<string, unknown> = {}, realArtifacts?: { module: string; dir: string }): string {
  const ids = Object.keys(INSTRUMENTS);
  const instrumentRules = ids
    .flatMap((id) => [`      - call: ${id}\n        why: run the ${id} instrument as a task`, `      - delegate: ${id}\n        why: give ${id} a token for exactly its task's artifacts`])
    .join('\n');
  const instruments = Object.entries(INSTRUMENTS)
    .map(
      ([id, mode]) => `  ${id}:
    sandbox: worker
    module: ${instrumentModule}
    why: test instrument (${mode})
    allow:
      - publish: fixture.invoked
        why: let the test count invocations
    host:
      clock: true
      timeoutMs: ${OWN_LIMIT_MS[mode] ?? 15000}
    data: { mode: ${mode} }`,
    )
    .join('\n');
  return `version: 1
extensions:
  dag:
    sandbox: worker
    module: ${dagModule}
    why: the DAG tracker under test
    allow:
      - call: artifacts
        ops: [get, put, stat]
        why: task inputs and outputs, the event log
      - call: artifacts
        ops: [list]
        resources: ["dag/*"]
        why: find unfinished runs in the event log at start
      - call: pool
        ops: [lease, claim, release]
        why: pool slots around nodes
      - call: arbitration
        ops: [ask]
        why: pick an instrument among candidates
${instrumentRules}
      - publish: "dag.*"
        why: state transitions
    host:
      clock: true
      memoryMb: 128
      timeoutMs: 30000
    data: ${JSON.stringify({ maxConcurrency: 3, retry: { attempts: 1, backoffMs: 50 }, ...dagData })}
${instruments}
${realArtifacts ? `  artifacts:
    sandbox: worker
    module: ${realArtifacts.module}
    why: the real content-addressed store
    allow: []
    host:
      fs:
        - path: ${realArtifacts.dir}
          mode: readwrite
      memoryMb: 128
` : ''}${(realArtifacts ? ['pool', 'arbitration'] : ['artifacts', 'pool', 'arbitration']).map((id) => `  ${id}:
    sandbox: worker
    module: ${instrumentModule}
    why: named so the policy may grant calls to it; the test registers an in-process endpoint instead (never started, see only:)
    allow: []`).join('\n')}
`;
}
