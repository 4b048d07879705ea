/**
 * The shared policy and request generator for the decision-engine comparison
 * (bench/engines.bench.ts and test/bench/engines-agree.test.ts): one rule list,
 * rendered for each engine, and one request set every engine must decide alike.
 *
 * Rules are grants of several principals: calls to literal or prefix targets
 * with literal ops and literal or prefix resource keys, publish/subscribe on
 * literal or prefix topics, and deny rules that overlap broader allows (so
 * "deny beats allow" is exercised). Deterministic: the same size gives the same
 * rules and requests on every run.
 *
 * @module
 */

export type RuleAction = 'call' | 'publish' | 'subscribe';

export interface Rule {
  readonly effect: 'allow' | 'deny';
  readonly principal: string;
  readonly action: RuleAction;
  /** A literal target/topic or a prefix ending in a separator and `*`. */
  readonly to: string;
  /** Literal ops for calls; `['*']` for events. */
  readonly ops: readonly string[];
  /** Literal keys, prefixes (`…/*`) or `*`. */
  readonly resources: readonly string[];
}

export interface Query {
  readonly principal: string;
  readonly action: RuleAction;
  readonly to: string;
  /** `''` for events. */
  readonly op: string;
  /** `''` for events. */
  readonly resource: string;
}

export const PRINCIPALS = Array.from({ length: 10 }, (_, i) => `app-${i}`);
const TARGETS = Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
export const OPS = ['get', 'put', 'stat', 'list', 'lease', 'renew', 'release', 'status', 'gc', 'sweep'];

/** A deterministic pseudo-random sequence (an LCG), so every run compares the same policy. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

/** `size` rules, spread over the principals. */
export function generateRules(size: number): Rule[] {
  const random = lcg(size * 7 + 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const rules: Rule[] = [];
  for (let i = 0; rules.length < size; i++) {
    const principal = pick(PRINCIPALS);
    const tenant = `tenant-${Math.floor(random() * 500)}`;
    const kind = random();
    if (kind < 0.45) {
      const resources = random() < 0.5 ? [`${tenant}/reports/q${i % 4}-${i}.json`, `${tenant}/inbox/${i}.eml`] : [`${tenant}/data/${i % 97}/*`];
      const ops = [...new Set([pick(OPS), pick(OPS)])];
      rules.push({ effect: 'allow', principal, action: 'call', to: pick(TARGETS), ops, resources });
    } else if (kind < 0.65) {
      const action = random() < 0.5 ? 'publish' : 'subscribe';
      rules.push({ effect: 'allow', principal, action, to: random() < 0.5 ? `${tenant}.events.*` : `${tenant}.events.done`, ops: ['*'], resources: ['*'] });
    } else if (kind < 0.8) {
      rules.push({ effect: 'allow', principal, action: 'call', to: `${tenant}.*`, ops: [pick(OPS)], resources: ['*'] });
    } else {
      // A broad allow and a narrower deny inside it: the deny must win.
      const target = pick(TARGETS);
      rules.push({ effect: 'allow', principal, action: 'call', to: target, ops: ['gc', 'get'], resources: [`${tenant}/*`] });
      if (rules.length < size) rules.push({ effect: 'deny', principal, action: 'call', to: target, ops: ['gc'], resources: [`${tenant}/archive/*`] });
    }
  }
  return rules;
}

const concrete = (pattern: string, i: number) => (pattern === '*' ? `k${i}` : pattern.endsWith('*') ? `${pattern.slice(0, -1)}x${i}` : pattern);

/**
 * `count` requests drawn from the rules: exact hits (literal and prefix), the
 * same request from another principal, unknown targets and ops, keys beside a
 * granted one, and keys under a denied prefix.
 */
export function generateQueries(rules: readonly Rule[], count = 1_024): Query[] {
  const random = lcg(rules.length * 13 + 5);
  const out: Query[] = [];
  for (let i = 0; out.length < count; i++) {
    const rule = rules[Math.floor(random() * rules.length)]!;
    const event = rule.action !== 'call';
    const base: Query = {
      principal: rule.principal,
      action: rule.action,
      to: concrete(rule.to, i),
      op: event ? '' : rule.ops[i % rule.ops.length]!,
      resource: event ? '' : concrete(rule.resources[i % rule.resources.length]!, i),
    };
    switch (i % 5) {
      case 0:
        out.push(base);
        break;
      case 1:
        out.push({ ...base, principal: PRINCIPALS[(PRINCIPALS.indexOf(rule.principal) + 1 + (i % 9)) % PRINCIPALS.length]! });
        break;
      case 2:
        out.push(i % 2 === 0 ? { ...base, to: `nobody-${i}` } : { ...base, op: event ? '' : 'unknown-op' });
        break;
      case 3:
        out.push(event ? { ...base, to: `${base.to}-other` } : { ...base, resource: `${base.resource}.bak` });
        break;
      default: {
        // Concrete keys never contain `*` (ours refuses them outright; keyMatch would not).
        const first = rule.resources[0] ?? '*';
        const tenant = first === '*' ? 'tenant-0' : first.split('/')[0]!;
        out.push(event ? base : { ...base, op: 'gc', resource: `${tenant}/archive/${i}.tar` });
      }
    }
  }
  return out;
}
