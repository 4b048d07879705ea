/**
 * Everything one record joins: the rule that decided it (with its line of the
 * policy), the denial's reason and, with a policy, the smallest grant that
 * would allow it (`explain`); the token's delegation chain; the plugin identity
 * of the actor and the target; and which policy hash was in force.
 *
 * @module
 */
import type { Action } from '../../../capabilities/index.js';
import { explain } from '../../../policies/index.js';
import type { LoggedRecord } from '../records.js';
import type { LogFollower } from './follow.js';
import { parseRuleId, type PluginIdentity, type PolicyInfo } from './policy-info.js';
import { indexTokens, tokenChain, type TokenNode } from './tokens.js';

const DECISIONS = new Set<string>(['call', 'publish', 'subscribe', 'delegate']);

/** A plugin as the log and the policy know it. */
export interface PluginView {
  readonly id: string;
  /** The last `endpoint.start` of it at or before the record. */
  readonly started?: { seq: number; line: number; token_jti?: string; sha256?: string };
  readonly policy?: PluginIdentity;
}

function ruleView(record: LoggedRecord, info: PolicyInfo | undefined) {
  if (typeof record.rule !== 'string') return null;
  const at = parseRuleId(record.rule);
  const rule = info?.rule(record.rule);
  return {
    id: record.rule,
    ...(at ?? {}),
    ...(rule ? { effect: rule.effect, extension: rule.extension, why: rule.why, text: info?.sourceLine(rule.line)?.trim() } : {}),
  };
}

/**
 * A call made with a delegated token is decided by that token alone: a policy
 * rule for the caller would not change it, so the advice names the delegator.
 */
function delegatedAdvice(record: LoggedRecord, chain: readonly TokenNode[]): string | undefined {
  const token = chain.at(-1);
  if (record.code !== 'E_DENIED' || token?.kind !== 'delegate' || record.action === 'delegate') return undefined;
  const asked = [record.action, record.target, record.op ? `op ${record.op}` : '', record.resource ? `resource ${record.resource}` : ''].filter(Boolean).join(' ');
  return (
    `denied by the token ${record.actor} presented: delegated to it by ${token.issuer} (#${token.seq}), and it does not cover ${asked}. ` +
    `A delegated token carries only what its delegator handed down, so a policy rule for ${record.actor} would not change this call; ` +
    `if ${record.actor} should have it, ${token.issuer} must delegate it (within its own grants).`
  );
}

function denial(record: LoggedRecord, info: PolicyInfo | undefined, chain: readonly TokenNode[]) {
  if (record.verdict !== 'deny') return undefined;
  const reason = record.why ?? (record.code === 'E_DENIED' && !record.rule ? 'no grant allows it (default deny)' : (record.code ?? 'denied'));
  const delegated = delegatedAdvice(record, chain);
  if (delegated) return { code: record.code, reason, advice: delegated };
  if (!info || !DECISIONS.has(record.action) || typeof record.target !== 'string') return { code: record.code, reason };
  const answer = explain(info.policy, { as: record.actor, action: record.action as Action, to: record.target, op: record.op ?? '', resource: record.resource ?? '' });
  return { code: record.code, reason, advice: answer.advice, suggestion: answer.suggestion, verdictNow: answer.verdict };
}

function plugin(records: readonly LoggedRecord[], id: string, upTo: number, info: PolicyInfo | undefined): PluginView {
  let started: PluginView['started'];
  for (const record of records) {
    if (record.seq > upTo) break;
    if (record.action !== 'endpoint.start' || record.target !== id) continue;
    const sha = record.detail?.sha256 ?? record.detail?.module_sha256;
    started = { seq: record.seq, line: record.line, ...(record.token_jti ? { token_jti: record.token_jti } : {}), ...(typeof sha === 'string' ? { sha256: sha } : {}) };
  }
  const policy = info?.plugins.get(id);
  return { id, ...(started ? { started } : {}), ...(policy ? { policy } : {}) };
}

function policyView(records: readonly LoggedRecord[], record: LoggedRecord, info: PolicyInfo | undefined) {
  const hash = record.policy_hash;
  let loaded: { seq: number; file?: string } | undefined;
  for (const other of records) {
    if (other.seq > record.seq) break;
    const detail = other.detail ?? {};
    const otherHash = other.action === 'policy.load' ? detail.hash : other.action === 'policy.reload' ? detail.new_hash : undefined;
    if (hash !== undefined && otherHash === hash) loaded = { seq: other.seq, ...(typeof detail.file === 'string' ? { file: detail.file } : {}) };
  }
  return {
    ...(hash !== undefined ? { hash } : {}),
    ...(loaded ? { loaded } : {}),
    ...(info ? { given: { file: info.file, hash: info.policy.hash, same: hash === undefined ? null : hash === info.policy.hash } } : {}),
  };
}

/**
 * The joins of `record` within the log `log` (and the policy `info`, if given).
 *
 * @example
 * const detail = recordDetail(log, log.record(42)!, info);
 * detail.rule?.line; detail.denial?.suggestion; detail.tokens.chain.map((t) => t.subject);
 */
export function recordDetail(log: LogFollower, record: LoggedRecord, info: PolicyInfo | undefined) {
  const records = log.records;
  const ids = [record.actor, record.target].filter((id): id is string => typeof id === 'string' && id !== 'kernel' && (record.action !== 'publish' && record.action !== 'subscribe' || id === record.actor));
  const tokens = record.token_jti ? tokenChain(indexTokens(records), record.token_jti) : undefined;
  const trace = record.trace_id ? records.filter((other) => other.trace_id === record.trace_id).length : 0;
  return {
    record,
    verified: log.verified(record),
    rule: ruleView(record, info),
    denial: denial(record, info, tokens?.chain ?? []),
    tokens: tokens ?? { chain: [], children: [] },
    plugins: [...new Set(ids)].map((id) => plugin(records, id, record.seq, info)),
    policy: policyView(records, record, info),
    trace: record.trace_id ? { id: record.trace_id, records: trace } : null,
  };
}
export type RecordDetail = ReturnType<typeof recordDetail>;
