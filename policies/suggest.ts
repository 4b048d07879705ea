/**
 * The smallest grant that allows one request, written as a YAML rule a person
 * can paste under `extensions.<id>.allow`.
 *
 * @module
 */
import { Document, isSeq, visit } from 'yaml';
import { patternProblem, type Request } from '../capabilities/index.js';

/**
 * Why no rule can be suggested for this request, or `undefined` when one can.
 * A key that is not a valid literal pattern (empty where a key is needed,
 * whitespace, a `*`) cannot be granted on its own.
 */
export function unsuggestable(request: Request): string | undefined {
  // An empty op or resource (a call without one) is matched by the default "*"; an empty target never is.
  const keys = request.action === 'call' ? [request.to, request.op, request.resource].filter((key, i) => i === 0 || key !== '') : [request.to];
  for (const key of keys) {
    if (key.includes('*')) return `requests name concrete keys; ${JSON.stringify(key)} contains "*", which only grants may use`;
    const problem = patternProblem(key);
    if (problem !== undefined) return `no rule can name this key: ${problem}`;
  }
  return undefined;
}

/**
 * The rule, as YAML (a one-item list), that allows exactly `request` for `as`.
 * An empty op or resource means the call has none, which only the default
 * `"*"` matches, so those lists are left out.
 *
 * @example
 * suggestRule('dag', { action: 'call', to: 'artifacts', op: 'get', resource: 'reports/q3.json' })
 * // - call: artifacts
 * //   ops: [get]
 * //   resources: [reports/q3.json]
 * //   why: "TODO: say why dag needs get artifacts on reports/q3.json"
 */
export function suggestRule(as: string, request: Request): string {
  const rule: Record<string, unknown> = { [request.action]: request.to };
  let why: string;
  if (request.action === 'call') {
    if (request.op !== '') rule['ops'] = [request.op];
    if (request.resource !== '') rule['resources'] = [request.resource];
    const on = request.resource === '' ? '' : ` on ${request.resource}`;
    why = `TODO: say why ${as} needs ${request.op === '' ? 'to call' : request.op} ${request.to}${on}`;
  } else if (request.action === 'delegate') {
    why = `TODO: say why ${as} hands narrower tokens to ${request.to}`;
  } else {
    why = `TODO: say why ${as} needs to ${request.action} ${request.to}`;
  }
  rule['why'] = why;
  const doc = new Document([rule]);
  visit(doc, {
    Seq(_key, seq, path) {
      if (isSeq(seq) && path.length > 1) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
