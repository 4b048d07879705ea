/**
 * Write learned rules into a policy: the base policy's text with the learned
 * extensions' `allow:` replaced (comments elsewhere kept), each rule annotated
 * with how often the run used it, and deny rules that would block a learned
 * request removed (and reported).
 *
 * @module
 */
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { covers, Grant } from '../../capabilities/index.js';
import type { LearnedRule } from './learn.js';
import type { RecordedRequest } from './requests.js';

function ruleNode(doc: Document, rule: LearnedRule): YAMLMap {
  const value: Record<string, unknown> = { [rule.action]: rule.to };
  if (rule.action === 'call') {
    value.ops = rule.ops;
    value.resources = rule.resources;
  }
  value.why = `learned: used ${rule.uses}× in the recorded run`;
  const node = doc.createNode(value) as YAMLMap;
  for (const item of node.items) if (isSeq(item.value)) (item.value as YAMLSeq).flow = true;
  return node;
}

export interface LearnedPolicy {
  readonly text: string;
  readonly removedDenies: { extension: string; rule: string }[];
}

/** The base policy text with the learned rules of each extension in place of its allow list. */
export function applyLearned(baseText: string, learned: ReadonlyMap<string, LearnedRule[]>, requests: ReadonlyMap<string, RecordedRequest[]>): LearnedPolicy {
  const doc = parseDocument(baseText);
  const removedDenies: LearnedPolicy['removedDenies'] = [];
  for (const [extension, rules] of learned) {
    const node = doc.getIn(['extensions', extension]);
    if (!isMap(node)) continue;
    const allow = new YAMLSeq();
    for (const rule of rules) allow.items.push(ruleNode(doc, rule));
    node.set('allow', allow);
    const deny = node.get('deny');
    if (isSeq(deny)) {
      deny.items = deny.items.filter((item) => {
        const json = (item as YAMLMap).toJSON() as Record<string, unknown>;
        const action = (['call', 'publish', 'subscribe', 'delegate'] as const).find((a) => a in json)!;
        const grant = Grant.parse({ effect: 'deny', action, to: json[action], ...(json.ops ? { ops: json.ops } : {}), ...(json.resources ? { resources: json.resources } : {}) });
        const blocks = (requests.get(extension) ?? []).some((request) => covers([grant], request).verdict === 'deny' && covers([grant], request).grant !== null);
        if (blocks) removedDenies.push({ extension, rule: `${action} ${String(json[action])}` });
        return !blocks;
      });
      if (deny.items.length === 0) node.delete('deny');
    }
  }
  return { text: doc.toString({ lineWidth: 0 }), removedDenies };
}
