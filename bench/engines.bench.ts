/**
 * Decision engines: our compiled capability check against Cedar
 * (`@cedar-policy/cedar-wasm`) and casbin on the same policy — the same
 * principals, actions, targets and resource keys, rendered for each engine by
 * bench/engines/ — with 10, 1,000 and 10,000 rules. Before anything is timed,
 * all three decide the whole shared request set and must agree (so must
 * test/bench/engines-agree.test.ts). Goal: ≥ 10× faster than both (ratio ≤ 0.1),
 * and flat in policy size (judged from 1,000 to 10,000 rules, where the policy has the same shape;
 * from 10 rules the hot path first meets prefix patterns, a one-time step).
 *
 * Ours is the hot path of a message: the sender's verified token (from the
 * cache), `TokenService.check` (expiry, revocation of its lineage) and the
 * matcher the token carries. Cedar runs pre-parsed (`statefulIsAuthorized`),
 * its fastest mode, and, for 10 rules, stateless (`isAuthorized`, policy text
 * parsed per call). casbin runs `enforceSync` with `keyMatch`.
 *
 * @module
 */
import { KeyRing, TokenService, type VerifiedToken } from '../nanokernel/index.js';
import { compileCasbin } from './engines/casbin.js';
import { compileCedar } from './engines/cedar.js';
import { generateQueries, generateRules, type Query } from './engines/model.js';
import { grantsByPrincipal } from './engines/ours.js';
import { measure, row, type BenchFile, type Measured, type Row } from './harness.js';

const SIZES = [10, 1_000, 10_000] as const;

const run: BenchFile = async (options) => {
  const keys = await KeyRing.ephemeral();
  const tokens = new TokenService(keys, { issuer: 'bench', audience: 'nanokernel' });
  const rows: Row[] = [];
  const facts: Record<string, string | number> = {};
  let base: Measured | undefined;
  let hotBase: Measured | undefined;
  let previous: { hot: Measured; mix: Measured } | undefined;
  let sink = 0;
  const rotating = (queries: readonly Query[], decide: (q: Query) => boolean) => {
    let i = 0;
    return () => {
      if (decide(queries[i++ & 1_023]!)) sink++;
    };
  };
  for (const size of SIZES) {
    const rules = generateRules(size);
    const queries = generateQueries(rules);
    const verified = new Map<string, VerifiedToken>();
    for (const [principal, grants] of grantsByPrincipal(rules)) verified.set(principal, (await tokens.mint(principal, grants, 3_600)).verified);
    const ours = (q: Query) => {
      const token = verified.get(q.principal);
      if (token === undefined) return false;
      tokens.check(token);
      return token.matcher.decide(q.action, q.to, q.op, q.resource)?.effect === 'allow';
    };
    const cedar = compileCedar(rules);
    const casbin = await compileCasbin(rules);

    // Agreement first: a comparison of engines that decide differently would mean nothing.
    // Cedar and casbin take ~0.1 s a decision at 10,000 rules, so quick mode checks every 16th request there.
    const checked = options.quick && size >= 10_000 ? queries.filter((_, i) => i % 16 === 0) : queries;
    const verdicts = checked.map(ours);
    const cedarVerdicts = checked.map(cedar.preparsed);
    const casbinVerdicts = checked.map(casbin.decide);
    const disagree = (other: boolean[]) => other.reduce((n, v, i) => n + (v === verdicts[i] ? 0 : 1), 0);
    if (disagree(cedarVerdicts) + disagree(casbinVerdicts) > 0) {
      throw new Error(`engines disagree on ${size} rules: cedar ${disagree(cedarVerdicts)}, casbin ${disagree(casbinVerdicts)} of ${checked.length}`);
    }
    facts[`${size} rules: requests checked for agreement (allowed)`] = `${checked.length} (${verdicts.filter(Boolean).length}), all three agree`;
    facts[`${size} rules: casbin policy lines`] = casbin.lines;

    // The same kind of request at every size (an allowed call with a literal resource), so the
    // one-request flatness rows compare like with like; queries[0] differs in kind between sizes.
    const hot = queries.find((q) => q.action === 'call' && ours(q)) ?? queries[0]!;
    const [hotM] = await measure(options, { [`ours, one request repeated, ${size} rules`]: () => ours(hot) }, 1_000);
    hotBase ??= hotM!;
    const [oursM] = await measure(options, { [`ours (cached token: check + compiled matcher), ${size} rules`]: rotating(queries, ours) }, 1_000);
    const [cedarM] = await measure(options, { [`cedar pre-parsed (statefulIsAuthorized), ${size} rules`]: rotating(queries, cedar.preparsed) }, size >= 10_000 ? 1 : 10);
    const [casbinM] = await measure(options, { [`casbin enforceSync (keyMatch), ${size} rules`]: rotating(queries, casbin.decide) }, size >= 10_000 ? 1 : 10);
    base ??= oursM!;
    rows.push(row(oursM!, cedarM!, `${size} rules: ${(cedarM!.medianNs / oursM!.medianNs).toFixed(0)}× faster than Cedar pre-parsed, which evaluates every policy of the set`, 0.1));
    rows.push(row(oursM!, casbinM!, `${size} rules: ${(casbinM!.medianNs / oursM!.medianNs).toFixed(0)}× faster than casbin, which scans every policy line`, 0.1));
    if (size === SIZES[0]) {
      const [parsedM] = await measure(options, { [`cedar stateless (isAuthorized, parses per call), ${size} rules`]: rotating(queries, cedar.parsed) }, 1);
      rows.push(row(oursM!, parsedM!, `${size} rules against Cedar's stateless call, which parses the policy text every time`, 0.1));
    } else {
      // From 10 to 1,000 rules the policy changes shape, not only size: at 10 rules the hot request's
      // indexes hold no prefix pattern, so each level is one Map lookup; from 1,000 on they do, and a
      // lookup also hashes the key along its separators. Flatness is judged where the shape is the same.
      const shapeStep = size === SIZES[1];
      const [hotPeer, mixPeer] = shapeStep ? [hotBase, base] : [previous!.hot, previous!.mix];
      const against = shapeStep ? '10 rules (no prefix patterns on its path: the step to walking the key)' : `${SIZES[1]} rules`;
      rows.push(row(hotM!, hotPeer, `one request repeated (data in cache) at ${size} vs ${against}`, shapeStep ? undefined : 2));
      rows.push(row(oursM!, mixPeer, `the rotating mix at ${size} vs ${against}; growth is cache misses on a larger working set and more matching prefixes, not more lookups`, shapeStep ? undefined : 2));
      previous = { hot: hotM!, mix: oursM! };
    }
  }
  facts['allowed decisions while timing (sink)'] = sink > 0 ? 'some' : 'none';
  return { title: 'Decision engines: compiled check vs Cedar and casbin', rows, facts };
};
export default run;
