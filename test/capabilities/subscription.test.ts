import { describe, expect, it } from 'vitest';
import { decideSubscription, parseGrants } from '../../capabilities/index.js';

const grants = (...input: unknown[]) => parseGrants(input);

describe('decideSubscription', () => {
  it('allows a pattern an allow grant contains, naming that grant', () => {
    const decision = decideSubscription(grants({ action: 'subscribe', to: 'dag.*', rule: 'p:1:1' }), 'dag.node.*');
    expect(decision).toMatchObject({ verdict: 'allow', grant: { rule: 'p:1:1' } });
    expect(decideSubscription(grants({ action: 'subscribe', to: 'dag.*' }), 'dag.run.started').verdict).toBe('allow');
  });

  it('denies by default a pattern wider than every allow, or with no subscribe grant', () => {
    expect(decideSubscription(grants({ action: 'subscribe', to: 'dag.node.*' }), 'dag.*')).toEqual({ verdict: 'deny', grant: null });
    expect(decideSubscription(grants({ action: 'publish', to: '*' }), 'dag.*')).toEqual({ verdict: 'deny', grant: null });
  });

  it('a deny containing the pattern refuses it, wherever it stands among the grants', () => {
    const list = grants(
      { action: 'subscribe', to: '*' },
      { effect: 'deny', action: 'subscribe', to: 'dag.secret', why: 'inside: enforced per event' },
      { effect: 'deny', action: 'subscribe', to: 'dag.*', why: 'contains the pattern' },
    );
    expect(decideSubscription(list, 'dag.node.*')).toMatchObject({ verdict: 'deny', grant: { why: 'contains the pattern' } });
  });

  it('a deny inside the pattern does not refuse the subscription (it is enforced on each event)', () => {
    const list = grants({ action: 'subscribe', to: 'dag.*' }, { effect: 'deny', action: 'subscribe', to: 'dag.secret' });
    expect(decideSubscription(list, 'dag.*').verdict).toBe('allow');
  });
});
