/**
 * Policy decisions at scale: the compiled matcher (`compileGrants` over one
 * extension's grants, built from a real policy file through the loader) with
 * 10, 1,000 and 10,000 rules, against the 10-rule case (the goal: flat, at most
 * 2× from 10 to 10,000 rules) and against the naive `covers` scan over the
 * same grants (the peer).
 *
 * @module
 */
import { stringify } from 'yaml';
import { compileGrants, covers, type Action, type Grant } from '../capabilities/index.js';
import { compilePolicy, parsePolicy } from '../policies/index.js';
import { measure, row, type BenchFile, type Row } from './harness.js';

const SIZES = [10, 1_000, 10_000] as const;
const TARGETS = 50;
const OPS = ['get', 'put', 'stat', 'list', 'lease', 'renew', 'release', 'status', 'gc', 'sweep'];

/** A deterministic pseudo-random sequence, so every run benchmarks the same policy. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

/** Policy text with `rules` rules for extension `app`: calls with literal and prefix resources, events, denies. */
function policyText(rules: number): string {
  const random = lcg(rules);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const targets = Array.from({ length: TARGETS }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  const allow: object[] = [];
  const deny: object[] = [];
  for (let i = 0; i < rules; i++) {
    const tenant = `tenant-${Math.floor(random() * 500)}`;
    const kind = random();
    if (kind < 0.6) {
      const resources = random() < 0.5 ? [`${tenant}/reports/q${i % 4}-${i}.json`, `${tenant}/inbox/${i}.eml`] : [`${tenant}/data/${i % 97}/*`];
      allow.push({ call: pick(targets), ops: [pick(OPS), pick(OPS)], resources, why: `rule ${i}` });
    } else if (kind < 0.8) {
      allow.push({ [random() < 0.5 ? 'publish' : 'subscribe']: random() < 0.5 ? `${tenant}.events.*` : `${tenant}.events.done`, why: `rule ${i}` });
    } else if (kind < 0.95) {
      allow.push({ call: `${tenant}.*`, ops: [pick(OPS)], why: `rule ${i}` });
    } else {
      deny.push({ call: pick(targets), ops: ['gc'], resources: [`${tenant}/archive/*`], why: `rule ${i}` });
    }
  }
  const extensions: Record<string, object> = { app: { sandbox: 'worker', module: 'app.js', why: 'benchmark subject', allow, deny } };
  for (const target of targets) extensions[target] = { sandbox: 'worker', module: `${target}.js`, why: 'a call target' };
  return stringify({ version: 1, extensions });
}

interface Query { action: Action; to: string; op: string; resource: string }

/** 1,024 requests: a third hit literal keys, a third hit prefixes, a third match nothing. */
function queries(grants: readonly Grant[]): Query[] {
  const random = lcg(7);
  const out: Query[] = [];
  for (let i = 0; out.length < 1_024; i++) {
    const grant = grants[Math.floor(random() * grants.length)]!;
    const concrete = (p: string) => (p.endsWith('*') ? `${p.slice(0, -1)}x${i}` : p);
    const mode = i % 3;
    const to = mode === 2 ? `nobody-${i}` : concrete(grant.to);
    const op = grant.action === 'call' ? concrete(grant.ops[0]!) : '';
    const resource = grant.action === 'call' ? concrete(grant.resources[mode === 1 ? grant.resources.length - 1 : 0]!) : '';
    out.push({ action: grant.action, to, op, resource });
  }
  return out;
}

const bench: BenchFile = async (options) => {
  const rows: Row[] = [];
  const facts: Record<string, string | number> = {};
  const subjects = SIZES.map((size) => {
    const text = policyText(size);
    const started = performance.now();
    const { policy, source } = parsePolicy(text, `bench/policy-${size}.yaml`);
    const grants = compilePolicy(policy, source).extensions.get('app')!.grants;
    const loadMs = performance.now() - started;
    const compileStarted = performance.now();
    const matcher = compileGrants(grants);
    facts[`${size} rules: load + compile policy (ms)`] = Math.round(loadMs);
    facts[`${size} rules: compileGrants (ms)`] = Math.round((performance.now() - compileStarted) * 10) / 10;
    return { size, grants, matcher, queries: queries(grants) };
  });
  let sink = 0;
  const matcherTask = (subject: (typeof subjects)[number]) => {
    let i = 0;
    return () => {
      const q = subject.queries[i++ & 1_023]!;
      if (subject.matcher.decide(q.action, q.to, q.op, q.resource)?.effect === 'allow') sink++;
    };
  };
  const coversTask = (subject: (typeof subjects)[number]) => {
    let i = 0;
    return () => {
      if (covers(subject.grants, subject.queries[i++ & 1_023]!).verdict === 'allow') sink++;
    };
  };
  const hotTask = (subject: (typeof subjects)[number]) => {
    const q = subject.queries[0]!;
    return () => {
      if (subject.matcher.decide(q.action, q.to, q.op, q.resource)?.effect === 'allow') sink++;
    };
  };
  // One request repeated: the cost of the lookup structure itself, with the data in cache.
  const hot = await measure(options, Object.fromEntries(subjects.map((s) => [`matcher, one request, ${s.size} rules`, hotTask(s)])), 1_000);
  for (const [index, subject] of subjects.entries()) {
    rows.push(row(hot[index]!, hot[0]!, `one request repeated: ${subject.size} vs 10 rules; the index does the same few lookups at any size`, 2));
  }
  const matched = await measure(options, Object.fromEntries(subjects.map((s) => [`matcher, ${s.size} rules`, matcherTask(s)])), 1_000);
  const base = matched[0]!;
  for (const [index, subject] of subjects.entries()) {
    const figure = matched[index]!;
    rows.push(row(figure, base, `1,024 rotating requests: ${subject.size} vs 10 rules; growth here is cache misses on a larger working set (and more requests that match), not more lookups`, 2));
    const batch = subject.size >= 10_000 ? 5 : subject.size >= 1_000 ? 50 : 1_000;
    const [naive] = await measure(options, { [`covers scan, ${subject.size} rules`]: coversTask(subject) }, batch);
    rows.push(row(figure, naive, `compiled matcher vs naive covers scan over the same ${subject.size} rules`));
  }
  facts['allowed decisions (sink)'] = sink > 0 ? 'some' : 'none';
  return { title: 'Policy decisions: compiled matcher vs rule count', rows, facts };
};

export default bench;
