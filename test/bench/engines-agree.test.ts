/**
 * The engine comparison in bench/engines.bench.ts is honest only if the three
 * engines decide the same policy the same way. This checks it on the shared,
 * deterministic request set, against `covers` (the reference decision) too,
 * and checks that the set exercises allows, default denies and deny-beats-allow.
 */
import { describe, expect, it } from 'vitest';
import { covers } from '../../capabilities/index.js';
import { compileCasbin } from '../../bench/engines/casbin.js';
import { compileCedar } from '../../bench/engines/cedar.js';
import { generateQueries, generateRules } from '../../bench/engines/model.js';
import { compileOurs, grantsByPrincipal } from '../../bench/engines/ours.js';

describe.each([10, 1_000])('engines agree on %i rules', (size) => {
  const rules = generateRules(size);
  const queries = generateQueries(rules);
  const byPrincipal = grantsByPrincipal(rules);
  const reference = queries.map((q) => covers(byPrincipal.get(q.principal) ?? [], q));

  it('generates the asked number of rules and a varied request set', () => {
    expect(rules).toHaveLength(size);
    const allowed = reference.filter((d) => d.verdict === 'allow').length;
    expect(allowed).toBeGreaterThan(queries.length / 10);
    expect(queries.length - allowed).toBeGreaterThan(queries.length / 10);
    if (size >= 1_000) expect(reference.some((d) => d.verdict === 'deny' && d.grant?.effect === 'deny')).toBe(true);
  });

  it('our compiled check matches the reference', () => {
    const ours = compileOurs(rules);
    expect(queries.map(ours)).toEqual(reference.map((d) => d.verdict === 'allow'));
  });

  it('Cedar (pre-parsed and per-call) matches ours', () => {
    const ours = compileOurs(rules);
    const cedar = compileCedar(rules);
    const expected = queries.map(ours);
    expect(queries.map(cedar.preparsed)).toEqual(expected);
    if (size <= 10) expect(queries.map(cedar.parsed)).toEqual(expected);
  });

  it('casbin matches ours', async () => {
    const ours = compileOurs(rules);
    const casbin = await compileCasbin(rules);
    expect(queries.map(casbin.decide)).toEqual(queries.map(ours));
  });
});
