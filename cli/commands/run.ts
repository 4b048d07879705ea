/**
 * `nanokernel run [workflow]` — the main job: boot the kernel on a policy,
 * start every extension in its sandbox, run a workflow through the DAG
 * tracker, show progress, sweep, and summarise with the evidence.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Envelope } from '../../nanokernel/index.js';
import { projectRoot } from '../../sandboxes/compiled-path.js';
import { parseWorkflow, WorkflowInvalidError } from '../../extensions/dag/workflow/index.js';
import { duration, flag, parse, str } from '../args.js';
import { EXIT_FAILED, EXIT_OK, UsageError, emit, paint, type Io } from '../output.js';
import { ExtensionHost } from '../runtime/host.js';
import { Progress } from '../run/progress.js';
import { denialsSince, printSummary, type RunSummary } from '../run/summary.js';

const ROOT = projectRoot(path.dirname(new URL(import.meta.url).pathname));
export const DEFAULT_POLICY = path.join(ROOT, 'policies', 'default.yaml');
export const DEFAULT_WORKFLOW = path.join(ROOT, 'examples', 'workflows', 'demo.yaml');
/** Files placed in the artifact store as `inputs/<name>` before the run. */
export const DEFAULT_INPUTS = path.join(ROOT, 'examples', 'workflows', 'inputs');
/** The host principal the command line acts as (see policies/default.yaml). */
export const OPERATOR = 'operator';

export const RUN_USAGE = `nanokernel run [workflow.yaml] [options]

  --policy <file>     the policy (default policies/default.yaml)
  --audit <file>      the audit log (default .nanokernel/audit.log)
  --keys <file>       the signing key file (default .nanokernel/keys.json)
  --learn <ids>       learning mode for these extensions (comma-separated): their
                      denials are recorded and let through; then run "policy learn"
  --watch             follow edits of the policy file while running
  --inputs <dir>      put each file of <dir> into the artifact store as inputs/<name>
                      before the run (default examples/workflows/inputs with the demo)
  --timeout <dur>     give up on the run after this long (default 2m)
  --nats <url>        join the federation over this NATS server (the policy's peers:)
  --kernel-id <id>    this kernel's id: issuer of its tokens, "kernel" of its records (default local)
  --serve             run no workflow: start the extensions, print "ready", serve until Ctrl-C

With no workflow, runs the demo (examples/workflows/demo.yaml) on the default policy.
Ctrl-C stops cleanly and flushes the audit log.

examples:
  nanokernel run
  nanokernel run examples/workflows/demo.yaml --policy policies/default.yaml
  nanokernel run --learn wordcount,relay --audit learn.log
  nanokernel run --serve --policy a.yaml --kernel-id a --nats nats://127.0.0.1:4222`;

interface Collected {
  artifacts: RunSummary['artifacts'];
  decisions: RunSummary['decisions'];
  end?: { state: string; reason?: string };
  endWaiters: (() => void)[];
}

function onEvent(collected: Collected, progress: Progress, runId: () => string | undefined, envelope: Envelope): void {
  const body = (envelope.body ?? {}) as Record<string, unknown>;
  const topic = envelope.to;
  if (topic.startsWith('dag.node.') && body.runId === runId()) {
    const detail = typeof body.reason === 'string' ? body.reason : typeof body.instrument === 'string' ? `on ${body.instrument}` : undefined;
    progress.node(String(body.nodeId), String(body.state), Number(body.attempt ?? 1), detail);
  } else if (topic.startsWith('dag.run.') && body.runId === runId() && ['succeeded', 'failed', 'cancelled'].includes(String(body.state))) {
    collected.end = { state: String(body.state), ...(typeof body.reason === 'string' ? { reason: body.reason } : {}) };
    collected.endWaiters.splice(0).forEach((wake) => wake());
  } else if (topic === 'artifacts.put' && !String(body.ref).startsWith('dag/')) {
    // dag/ holds the tracker's own event log; the summary lists what the run produced.
    collected.artifacts.push({ ref: String(body.ref), hash: String(body.hash), size: Number(body.size) });
  } else if (topic.startsWith('decision.made.')) {
    collected.decisions.push({
      kind: topic.slice('decision.made.'.length),
      outcome: String(body.outcome),
      ...(typeof body.winner === 'string' ? { winner: body.winner } : {}),
      ...(typeof body.reducer === 'string' ? { reducer: body.reducer } : {}),
      proposals: Array.isArray(body.proposals)
        ? (body.proposals as { resolver?: unknown; proposal?: unknown; score?: unknown }[]).map((p) => `${String(p.resolver)} → ${String(p.proposal)} (score ${String(p.score)})`)
        : [],
    });
  }
}

export async function runCommand(io: Io, args: readonly string[]): Promise<number> {
  const parsed = parse(args, { policy: { type: 'string' }, audit: { type: 'string' }, keys: { type: 'string' }, learn: { type: 'string' }, watch: { type: 'boolean' }, timeout: { type: 'string' }, inputs: { type: 'string' }, nats: { type: 'string' }, 'kernel-id': { type: 'string' }, serve: { type: 'boolean' } });
  if (flag(parsed, 'help')) {
    io.out(RUN_USAGE);
    return EXIT_OK;
  }
  if (flag(parsed, 'serve')) return serve(io, parsed);
  const workflowFile = parsed.positionals[0] ?? DEFAULT_WORKFLOW;
  const inputsDir = str(parsed, 'inputs') ?? (parsed.positionals[0] === undefined ? DEFAULT_INPUTS : undefined);
  const policyFile = str(parsed, 'policy') ?? DEFAULT_POLICY;
  const auditFile = path.resolve(str(parsed, 'audit') ?? '.nanokernel/audit.log');
  const keyFile = str(parsed, 'keys') ?? '.nanokernel/keys.json';
  const timeoutMs = duration(str(parsed, 'timeout') ?? '2m');
  const displayName = path.relative(process.cwd(), workflowFile) || workflowFile;
  if (!existsSync(workflowFile)) throw new WorkflowInvalidError([{ file: displayName, line: 1, col: 1, path: '(file)', message: 'the file does not exist; check the path' }]);
  if (inputsDir !== undefined && !statSync(inputsDir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--inputs ${inputsDir} is not a directory`);
  const workflowText = readFileSync(workflowFile, 'utf8');
  const { plan } = parseWorkflow(workflowText, displayName); // fail early, with positions, before booting
  mkdirSync(path.dirname(auditFile), { recursive: true, mode: 0o700 });

  const started = Date.now();
  if (!io.json) io.out(`${paint(io, 'bold', 'nanokernel')}: booting on ${path.relative(process.cwd(), policyFile) || policyFile}`);
  const host = await ExtensionHost.start({
    policyFile,
    auditFile,
    keyFile,
    watch: flag(parsed, 'watch'),
    ...(str(parsed, 'learn') ? { learn: str(parsed, 'learn')!.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    logger: pino({ level: process.env.NANOKERNEL_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    ...(str(parsed, 'kernel-id') ? { kernelId: str(parsed, 'kernel-id')! } : {}),
  });
  const federation = str(parsed, 'nats') ? await joinFederation(host, str(parsed, 'nats')!) : undefined;
  const fromSeq = host.kernel.audit.seq;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (federation?.leave() ?? Promise.resolve()).then(() => host.stop()));
  const interrupt = () => {
    io.err('\ninterrupted: stopping extensions and flushing the audit log…');
    void stop().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    if (!io.json) io.out(`  ${host.extensions().length} extensions running: ${host.extensions().join(', ')} (boot ${Date.now() - started} ms)`);
    const total = plan.order.length;
    const progress = new Progress(io, total);
    const collected: Collected = { artifacts: [], decisions: [], endWaiters: [] };
    let runId: string | undefined;
    const operator = await host.principal(OPERATOR, (envelope) => onEvent(collected, progress, () => runId, envelope));
    for (const topic of ['dag.*', 'artifacts.put', 'decision.made.*']) await operator.subscribe(topic);

    for (const name of inputsDir ? readdirSync(inputsDir).filter((entry) => statSync(path.join(inputsDir, entry)).isFile()).sort() : []) {
      const stored = (await operator.call('artifacts', 'put', `inputs/${name}`, { data: readFileSync(path.join(inputsDir!, name), 'utf8'), encoding: 'utf8' })) as { hash: string };
      if (!io.json) io.out(`  input inputs/${name} → sha256:${stored.hash.slice(0, 16)}…`);
    }
    if (!io.json) io.out(`running ${displayName}`);
    const reply = (await operator.call('dag', 'run', '', { workflow: workflowText, file: displayName, runId: `run-${started.toString(36)}` })) as { runId: string };
    runId = reply.runId;
    const ended = new Promise<void>((resolve) => (collected.end ? resolve() : collected.endWaiters.push(resolve)));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const outcome = await Promise.race([ended.then(() => 'ended' as const), timer]);
    progress.clear();

    const sweeps: Record<string, unknown>[] = [];
    try {
      sweeps.push((await operator.call('stale', 'sweep', '', {})) as Record<string, unknown>);
    } catch (error) {
      sweeps.push({ error: (error as { code?: string }).code ?? String(error) });
    }
    const status = (await operator.call('dag', 'status', '', { runId })) as { runs: { nodes: Record<string, { state: string }> }[] };
    const nodes = Object.fromEntries(Object.entries(status.runs[0]?.nodes ?? {}).map(([id, node]) => [id, node.state]));
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the last events and records land
    // Stop first: the log is then complete, and its record count matches "audit verify".
    await stop();
    const summary: RunSummary = {
      runId,
      state: outcome === 'timeout' ? 'timed out' : collected.end!.state,
      ...(collected.end?.reason ? { reason: collected.end.reason } : {}),
      seconds: (Date.now() - started) / 1000,
      nodes,
      artifacts: collected.artifacts,
      decisions: collected.decisions,
      denials: await denialsSince(auditFile, fromSeq),
      sweeps,
      auditFile: path.relative(process.cwd(), auditFile) || auditFile,
      auditRecords: host.kernel.audit.seq,
    };
    printSummary(io, summary);
    return summary.state === 'succeeded' ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    await stop();
  }
}

async function joinFederation(host: ExtensionHost, servers: string) {
  const { Federation } = await import('../runtime/federation/index.js');
  let federation;
  try {
    federation = await Federation.join({ kernel: host.kernel, policy: host.policy, servers, logger: host.kernel.logger });
  } catch (error) {
    await host.stop();
    throw error;
  }
  // A reloaded policy's peers apply at once: a removed peer's tokens stop working.
  host.onPolicyApplied((policy) => federation.applyPolicy(policy));
  return federation;
}

/** `run --serve`: boot, join the federation if asked, say "ready", and serve until a signal. */
async function serve(io: Io, parsed: ReturnType<typeof parse>): Promise<number> {
  const auditFile = path.resolve(str(parsed, 'audit') ?? '.nanokernel/audit.log');
  mkdirSync(path.dirname(auditFile), { recursive: true, mode: 0o700 });
  const host = await ExtensionHost.start({
    policyFile: str(parsed, 'policy') ?? DEFAULT_POLICY,
    auditFile,
    keyFile: str(parsed, 'keys') ?? '.nanokernel/keys.json',
    watch: flag(parsed, 'watch'),
    ...(str(parsed, 'kernel-id') ? { kernelId: str(parsed, 'kernel-id')! } : {}),
    logger: pino({ level: process.env.NANOKERNEL_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  });
  const federation = str(parsed, 'nats') ? await joinFederation(host, str(parsed, 'nats')!) : undefined;
  emit(io, { ready: true, kernel: host.kernel.id, extensions: host.extensions(), federated: federation !== undefined }, (r) => `ready: kernel ${r.kernel} serving ${r.extensions.join(', ') || 'no extensions'}${r.federated ? ' (federated)' : ''}; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await federation?.leave();
  await host.stop();
  return EXIT_OK;
}
