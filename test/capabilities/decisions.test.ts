import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Grant, compileGrants, covers, isSubset, type GrantInput } from '../../capabilities/index.js';
import { grants, request } from './arbitraries.js';

const g = (input: GrantInput) => Grant.parse(input);

describe('covers', () => {
  const allowAll = g({ action: 'call', to: 'artifacts', ops: ['*'], resources: ['reports/*'] });
  const denyGc = g({ effect: 'deny', action: 'call', to: 'artifacts', ops: ['gc'], rule: 'p.yaml:9:7' });

  it('denies by default with no deciding grant', () => {
    expect(covers([], { action: 'call', to: 'x', op: 'y', resource: '' })).toEqual({ verdict: 'deny', grant: null });
  });

  it('allows with the deciding grant', () => {
    const decision = covers([allowAll], { action: 'call', to: 'artifacts', op: 'get', resource: 'reports/q3.json' });
    expect(decision).toEqual({ verdict: 'allow', grant: allowAll });
  });

  it('lets a deny beat an allow whatever the order', () => {
    const req = { action: 'call' as const, to: 'artifacts', op: 'gc', resource: 'reports/a' };
    expect(covers([allowAll, denyGc], req)).toEqual({ verdict: 'deny', grant: denyGc });
    expect(covers([denyGc, allowAll], req)).toEqual({ verdict: 'deny', grant: denyGc });
  });

  it('needs the resource to match', () => {
    expect(covers([allowAll], { action: 'call', to: 'artifacts', op: 'get', resource: 'secrets/k' }).verdict).toBe('deny');
    expect(covers([allowAll], { action: 'call', to: 'artifacts', op: 'get', resource: '' }).verdict).toBe('deny');
  });
});

describe('compiled matcher', () => {
  it('returns exactly what covers returns, for any grants and request', () => {
    fc.assert(
      fc.property(grants, fc.array(request, { minLength: 1, maxLength: 20 }), (set, requests) => {
        const matcher = compileGrants(set);
        for (const req of requests) {
          expect(matcher.decide(req.action, req.to, req.op, req.resource)).toBe(covers(set, req).grant);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('never matches a key containing a wildcard', () => {
    const matcher = compileGrants([g({ action: 'call', to: '*' })]);
    expect(matcher.decide('call', 'a*', 'x', '')).toBeNull();
  });
});

describe('isSubset', () => {
  const parent = [g({ action: 'call', to: 'artifacts', ops: ['get', 'put'], resources: ['out/*'] }), g({ effect: 'deny', action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/locked/*'] })];

  it('accepts a narrower child', () => {
    expect(isSubset([g({ action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/a.txt'] })], parent).ok).toBe(true);
  });

  it('refuses a wider child and names it', () => {
    const wider = g({ action: 'call', to: 'artifacts', ops: ['put', 'gc'], resources: ['out/a.txt'] });
    const result = isSubset([wider], parent);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.grant).toBe(wider);
  });

  it('refuses a child that would lift a parent deny unless it keeps it', () => {
    const child = g({ action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/*'] });
    expect(isSubset([child], parent).ok).toBe(false);
    expect(isSubset([child, parent[1]!], parent).ok).toBe(true);
  });

  it('whatever a subset covers, the parent covers', () => {
    fc.assert(
      fc.property(grants, grants, fc.array(request, { minLength: 1, maxLength: 20 }), (child, par, requests) => {
        fc.pre(isSubset(child, par).ok);
        for (const req of requests) {
          if (covers(child, req).verdict === 'allow') expect(covers(par, req).verdict).toBe('allow');
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('a grant set is a subset of itself', () => {
    fc.assert(fc.property(grants, (set) => isSubset(set, set).ok), { numRuns: 1_000 });
  });
});
