/**
 * `nanokernel policy check|explain|schema|diff|learn` — writing and changing policies.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Action } from '../../capabilities/index.js';
import { explain, loadPolicyFile, policyJsonSchemaText } from '../../policies/index.js';
import { flag, need, parse, type Parsed, str, subcommand } from '../args.js';
import { learnRules, DEFAULT_COLLAPSE_AT, type LearnedRule } from '../policy/learn.js';
import { applyLearned } from '../policy/learned-policy.js';
import { recordedRequests, type RecordedRequest } from '../policy/requests.js';
import { shadowDiff } from '../policy/shadow.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, emit, paint, type Io } from '../output.js';

export const POLICY_USAGE = `nanokernel policy <check|explain|schema|diff|learn> [options]

  check <file>                                   validate; every problem as file:line:col
  explain <file> --as <ext> --call <to> <op> [resource]
  explain <file> --as <ext> --publish|--subscribe|--delegate <to>
                                                 verdict, deciding rule, and for a denial a grant to paste
  schema                                         print the policy JSON Schema
  diff <old> <new> --against <audit log>         replay recorded requests under both; list every change
  learn --from <audit log> [--ext id] [--policy base.yaml] [--collapse-at ${DEFAULT_COLLAPSE_AT}] [--out file]
                                                 least-privilege rules from a run started with --learn

examples:
  nanokernel policy check policies/default.yaml
  nanokernel policy explain policies/default.yaml --as stale --call artifacts put reports/q3.json
  nanokernel policy diff policies/default.yaml new.yaml --against .nanokernel/audit.log
  nanokernel policy learn --from .nanokernel/audit.log --ext wordcount --policy policies/default.yaml --out learned.yaml`;

async function check(io: Io, file: string): Promise<number> {
  const policy = await loadPolicyFile(file);
  emit(io, { file, ok: true, hash: policy.hash, extensions: [...policy.extensions.keys()], rules: policy.rules.size }, (r) => `${paint(io, 'green', 'valid')}: ${r.file} — ${r.extensions.length} extensions, ${r.rules} rules, hash ${r.hash.slice(0, 16)}…`);
  return EXIT_OK;
}

function requestFrom(parsed: Parsed): { action: Action; to: string; op: string; resource: string } {
  const chosen = (['call', 'publish', 'subscribe', 'delegate'] as const).filter((a) => flag(parsed, a));
  if (chosen.length !== 1) throw new UsageError('say what is asked: exactly one of --call <to> <op> [resource], --publish <topic>, --subscribe <topic>, --delegate <to>');
  const action = chosen[0]!;
  const rest = parsed.positionals.slice(1);
  if (action === 'call') {
    if (rest.length < 2) throw new UsageError('--call needs <to> <op> [resource]');
    return { action, to: rest[0]!, op: rest[1]!, resource: rest[2] ?? '' };
  }
  if (rest.length < 1) throw new UsageError(`--${action} needs a target`);
  return { action, to: rest[0]!, op: '', resource: '' };
}

async function explainCommand(io: Io, parsed: Parsed): Promise<number> {
  const file = need(parsed, 0, 'the policy file');
  const as = str(parsed, 'as');
  if (!as) throw new UsageError('--as <extension> names who is asking');
  const request = requestFrom(parsed);
  const explanation = explain(await loadPolicyFile(file), { as, ...request });
  emit(io, explanation, (e) => {
    const verdict = e.verdict === 'allow' ? paint(io, 'green', 'ALLOW') : paint(io, 'red', 'DENY');
    const rule = e.rule ? `rule ${e.rule.file}:${e.rule.line}:${e.rule.col}${e.rule.why ? ` — ${e.rule.why}` : ''}` : 'no rule matched (default deny)';
    const paste = e.suggestion ? `\nto allow it, add under extensions.${as}.allow:\n${e.suggestion.trimEnd().replace(/^/gm, '  ')}` : '';
    return `${verdict}: ${rule}\n${e.advice}${paste}`;
  });
  return explanation.verdict === 'allow' ? EXIT_OK : EXIT_FAILED;
}

function describe(request: RecordedRequest): string {
  return request.action === 'call' ? `${request.as} call ${request.to}.${request.op}${request.resource ? ` "${request.resource}"` : ''}` : `${request.as} ${request.action} ${request.to}`;
}

async function diff(io: Io, parsed: Parsed): Promise<number> {
  const oldFile = need(parsed, 0, 'the current policy file');
  const newFile = need(parsed, 1, 'the new policy file');
  const log = str(parsed, 'against');
  if (!log) throw new UsageError('--against <audit log> gives the requests to replay');
  const [before, after, requests] = await Promise.all([loadPolicyFile(oldFile), loadPolicyFile(newFile), recordedRequests(log)]);
  const changed = shadowDiff(before, after, requests);
  emit(io, { requests: requests.length, changed }, (r) => {
    if (r.changed.length === 0) return `no decision changes across ${r.requests} recorded requests`;
    const lines = r.changed.map((c) => {
      const arrow = c.after === 'deny' ? paint(io, 'red', 'allowed → DENIED') : paint(io, 'yellow', 'denied → ALLOWED');
      return `  ${arrow}  ${describe(c.request)} (${c.request.count}×, first at line ${c.request.line})${c.rule ? ` by ${c.rule}` : ''}`;
    });
    return `${r.changed.length} of ${r.requests} recorded requests would be decided differently:\n${lines.join('\n')}`;
  });
  return EXIT_OK;
}

async function learn(io: Io, parsed: Parsed): Promise<number> {
  const log = str(parsed, 'from');
  if (!log) throw new UsageError('--from <audit log> names the run to learn from');
  const only = str(parsed, 'ext');
  const collapseAt = Number(str(parsed, 'collapse-at') ?? DEFAULT_COLLAPSE_AT);
  if (!Number.isInteger(collapseAt) || collapseAt < 2) throw new UsageError('--collapse-at is a whole number ≥ 2');
  // Only what went through: a request the kernel denied (outside learning mode) was not part of the run.
  const requests = (await recordedRequests(log, only)).filter((request) => request.passed);
  const byExtension = new Map<string, RecordedRequest[]>();
  for (const request of requests) byExtension.set(request.as, [...(byExtension.get(request.as) ?? []), request]);
  const learned = new Map<string, LearnedRule[]>([...byExtension].map(([ext, list]) => [ext, learnRules(list, collapseAt)]));
  const base = str(parsed, 'policy');
  const out = str(parsed, 'out');
  if (base) {
    const result = applyLearned(readFileSync(base, 'utf8'), learned, byExtension);
    if (out) writeFileSync(out, result.text);
    if (io.json) io.out(JSON.stringify({ learned: Object.fromEntries(learned), removedDenies: result.removedDenies, ...(out ? { out } : { policy: result.text }) }));
    else if (!out) io.out(result.text);
    if (io.json) return EXIT_OK;
    for (const removed of result.removedDenies) io.err(paint(io, 'yellow', `note: removed deny "${removed.rule}" of ${removed.extension}: it blocked a request the run made`));
    if (out) io.err(`wrote ${out}: ${learned.size} extension${learned.size === 1 ? '' : 's'} learned; check it with "nanokernel policy check ${out}"`);
    return EXIT_OK;
  }
  emit(io, Object.fromEntries(learned), (value) =>
    Object.entries(value)
      .map(([ext, rules]) => `${ext}:\n  allow:\n${rules.map((r) => `    - ${r.action}: ${r.to}${r.action === 'call' ? `\n      ops: [${r.ops.join(', ')}]\n      resources: [${r.resources.map((x) => JSON.stringify(x)).join(', ')}]` : ''}\n      why: "learned: used ${r.uses}× in the recorded run"`).join('\n')}`)
      .join('\n'),
  );
  return EXIT_OK;
}

export async function policyCommand(io: Io, args: readonly string[]): Promise<number> {
  const { sub, rest } = subcommand(args);
  const parsed = parse(rest, {
    as: { type: 'string' },
    call: { type: 'boolean' },
    publish: { type: 'boolean' },
    subscribe: { type: 'boolean' },
    delegate: { type: 'boolean' },
    against: { type: 'string' },
    from: { type: 'string' },
    ext: { type: 'string' },
    policy: { type: 'string' },
    out: { type: 'string' },
    'collapse-at': { type: 'string' },
  });
  if (flag(parsed, 'help') || sub === undefined) {
    io.out(POLICY_USAGE);
    return flag(parsed, 'help') ? EXIT_OK : EXIT_USAGE;
  }
  switch (sub) {
    case 'check':
      return check(io, need(parsed, 0, 'the policy file'));
    case 'explain':
      return explainCommand(io, parsed);
    case 'schema':
      io.out(policyJsonSchemaText());
      return EXIT_OK;
    case 'diff':
      return diff(io, parsed);
    case 'learn':
      return learn(io, parsed);
    default:
      throw new UsageError(`unknown policy command "${sub}"`);
  }
}
