/**
 * `explain`: why a compiled policy allows or denies one request, which rule
 * decided it, and for a default denial the smallest rule that would allow it.
 * Decisions go through `covers`, the capability algebra's reference decision.
 *
 * @module
 */
import { covers, isPrefixPattern, type Action, type Request } from '../capabilities/index.js';
import type { CompiledPolicy, RuleInfo } from './compile.js';
import { suggestRule, unsuggestable } from './suggest.js';

/** One request to explain: `as` asks to do `action` on `to` (`op` and `resource` only for calls). */
export interface ExplainQuery {
  readonly as: string;
  readonly action: Action;
  readonly to: string;
  readonly op?: string;
  readonly resource?: string;
}

/** The answer: what happens, which rule says so, and what to change. */
export interface Explanation {
  readonly verdict: 'allow' | 'deny';
  /** The deciding rule, or `null` when nothing matched (default deny). */
  readonly rule: RuleInfo | null;
  /** One or two sentences for a person, naming the rule by `<file>:<line>:<col>` and its why. */
  readonly advice: string;
  /**
   * For a default denial that a rule can lift: YAML to paste under
   * `extensions.<as>.allow`. `null` when allowed, when a deny rule decided
   * (an allow cannot override it), or when no rule could allow the request.
   */
  readonly suggestion: string | null;
}

function describeRequest(query: ExplainQuery, request: Request): string {
  if (request.action !== 'call') return `${query.as} ${request.action} ${request.to}`;
  const parts = [`${query.as} call ${request.to}`];
  if (request.op !== '') parts.push(`op ${request.op}`);
  if (request.resource !== '') parts.push(`resource ${request.resource}`);
  return parts.join(' ');
}

const because = (rule: RuleInfo): string => (rule.why ? ` (why: ${rule.why})` : '');

/**
 * Explain one request against a compiled policy.
 *
 * @example
 * const answer = explain(policy, { as: 'dag', action: 'call', to: 'artifacts', op: 'gc', resource: '' });
 * answer.verdict      // 'deny'
 * answer.rule?.id     // 'policies/default.yaml:57:9' (the deny rule), or null for default deny
 * answer.suggestion   // YAML to paste under extensions.dag.allow, or null
 */
export function explain(policy: CompiledPolicy, query: ExplainQuery): Explanation {
  const isCall = query.action === 'call';
  const request: Request = {
    action: query.action,
    to: query.to,
    op: isCall ? (query.op ?? '') : '',
    resource: isCall ? (query.resource ?? '') : '',
  };
  const what = describeRequest(query, request);
  const extension = policy.extensions.get(query.as);
  if (extension === undefined) {
    const known = [...policy.extensions.keys()].join(', ');
    return {
      verdict: 'deny',
      rule: null,
      advice: `denied: "${query.as}" is not an extension of ${policy.file} (it defines ${known || 'none'}); define it under "extensions:" first`,
      suggestion: null,
    };
  }
  const unusable = unsuggestable(request);
  const decision = unusable === undefined ? covers(extension.grants, request) : { verdict: 'deny' as const, grant: null };
  const rule = decision.grant?.rule === undefined ? null : (policy.rules.get(decision.grant.rule) ?? null);
  if (decision.verdict === 'allow') {
    return { verdict: 'allow', rule, advice: `allowed: ${what} matches the allow rule at ${rule?.id ?? 'an unnamed grant'}${rule ? because(rule) : ''}`, suggestion: null };
  }
  if (rule !== null) {
    return {
      verdict: 'deny',
      rule,
      advice:
        `denied by the deny rule at ${rule.id}${because(rule)}. A deny always wins, so adding an allow cannot override it: ` +
        `narrow or remove the rule at ${rule.id} if ${query.as} really needs this`,
      suggestion: null,
    };
  }
  if (unusable !== undefined) return { verdict: 'deny', rule: null, advice: `denied: ${unusable}`, suggestion: null };
  const needsTarget = (request.action === 'call' || request.action === 'delegate') && !isPrefixPattern(request.to);
  if (needsTarget && !policy.extensions.has(request.to)) {
    return {
      verdict: 'deny',
      rule: null,
      advice: `denied: no rule of ${query.as} allows ${what}, and "${request.to}" is not an extension of ${policy.file}; define it before granting access to it`,
      suggestion: null,
    };
  }
  return {
    verdict: 'deny',
    rule: null,
    advice: `denied by default: no rule of ${query.as} allows ${what}. If it should, add the suggested rule under extensions.${query.as}.allow`,
    suggestion: suggestRule(query.as, request),
  };
}
