/**
 * Learning mode's second half (`policy learn`): from the requests an extension
 * made during a run, the least-privilege rules that allow exactly those.
 *
 * One rule per (action, target, op), listing the resources used. Literal keys
 * that share a directory are collapsed into `dir/*` only when at least
 * `collapseAt` of them were used (default 5): fewer than that stay literal,
 * so a rule never names more than the run touched unless the run touched a
 * whole family. Rules with the same resources are merged into one with several
 * ops (that allows exactly the same requests). A call made without a resource
 * can only be allowed by `*`, the one place a learned rule is wider than the run.
 *
 * @module
 */
import type { RecordedRequest } from './requests.js';

export interface LearnedRule {
  readonly action: RecordedRequest['action'];
  readonly to: string;
  readonly ops: string[];
  readonly resources: string[];
  readonly uses: number;
}

export const DEFAULT_COLLAPSE_AT = 5;

/** Collapse literal keys into `dir/*` where `collapseAt` or more share the directory. */
export function collapseResources(keys: readonly string[], collapseAt = DEFAULT_COLLAPSE_AT): string[] {
  if (keys.includes('')) return ['*'];
  const byDir = new Map<string, string[]>();
  for (const key of keys) {
    const cut = key.lastIndexOf('/');
    const dir = cut === -1 ? '' : key.slice(0, cut + 1);
    byDir.set(dir, [...(byDir.get(dir) ?? []), key]);
  }
  const out = new Set<string>();
  for (const [dir, members] of byDir) {
    if (dir !== '' && members.length >= collapseAt) out.add(`${dir}*`);
    else members.forEach((member) => out.add(member));
  }
  return [...out].sort();
}

/** The rules that allow exactly the requests of one extension. */
export function learnRules(requests: readonly RecordedRequest[], collapseAt = DEFAULT_COLLAPSE_AT): LearnedRule[] {
  const groups = new Map<string, { action: RecordedRequest['action']; to: string; op: string; resources: Set<string>; uses: number }>();
  for (const request of requests) {
    const key = [request.action, request.to, request.op].join('\u0000');
    const group = groups.get(key) ?? { action: request.action, to: request.to, op: request.op, resources: new Set<string>(), uses: 0 };
    group.resources.add(request.resource);
    group.uses += request.count;
    groups.set(key, group);
  }
  const merged = new Map<string, LearnedRule>();
  for (const group of groups.values()) {
    const resources = group.action === 'call' ? collapseResources([...group.resources], collapseAt) : [];
    const key = [group.action, group.to, resources.join('\u0000')].join('\u0001');
    const existing = merged.get(key);
    if (existing) {
      existing.ops.push(group.op);
      merged.set(key, { ...existing, uses: existing.uses + group.uses });
    } else {
      merged.set(key, { action: group.action, to: group.to, ops: group.action === 'call' ? [group.op] : [], resources, uses: group.uses });
    }
  }
  return [...merged.values()].map((rule) => ({ ...rule, ops: rule.ops.sort() })).sort((a, b) => `${a.action}${a.to}`.localeCompare(`${b.action}${b.to}`));
}
