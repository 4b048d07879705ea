/**
 * The reducers and the tie rule as pure functions.
 */
import { describe, expect, it } from 'vitest';
import type { Proposal } from '../../../extensions/arbitration/protocol.js';
import { REDUCERS, reduceByPriority, reduceByScore, reduceByVeto, reduceByVote, reduceFirstValid } from '../../../extensions/arbitration/reducers/index.js';
import { byTieRule, canonical } from '../../../extensions/arbitration/tie-break.js';

const p = (resolver: string, proposal: string, score = 0, priority = 0, veto?: boolean): Proposal => ({ resolver, proposal, score, priority, reason: `${resolver} says ${proposal}`, ...(veto === undefined ? {} : { veto }) });
const ABC = new Set(['a', 'b', 'c']);

describe('tie rule', () => {
  it('orders by resolver id in code-unit order, not locale order', () => {
    expect(canonical([p('b', 'x'), p('B', 'x'), p('a', 'x'), p('a-2', 'x')]).map((x) => x.resolver)).toEqual(['B', 'a', 'a-2', 'b']);
  });
  it('is total: two proposals from one resolver are ordered by their fields', () => {
    expect(byTieRule(p('r', 'a', 1), p('r', 'a', 2))).toBeLessThan(0);
    expect(byTieRule(p('r', 'b'), p('r', 'a'))).toBeGreaterThan(0);
    expect(byTieRule(p('r', 'a', 0, 0, true), p('r', 'a'))).toBeGreaterThan(0);
    expect(byTieRule(p('r', 'a'), p('r', 'a'))).toBe(0);
  });
});

describe('reducers', () => {
  it('no proposals, or none naming a candidate, is no decision for every reducer', () => {
    for (const reduce of Object.values(REDUCERS)) {
      expect(reduce([], ABC).winner).toBeUndefined();
      expect(reduce([p('r1', 'zzz', 9)], ABC)).toEqual({ why: 'no proposal named a candidate' });
    }
  });

  it('score: highest score; a tie goes to the lexically first resolver', () => {
    expect(reduceByScore([p('r2', 'a', 1), p('r1', 'b', 3), p('r3', 'c', 2)], ABC).winner).toBe('b');
    expect(reduceByScore([p('r9', 'c', 5), p('r1', 'a', 5)], ABC)).toEqual({ winner: 'a', why: 'highest score 5 from r1' });
    expect(reduceByScore([p('r1', 'zzz', 99), p('r2', 'b', 1)], ABC).winner).toBe('b');
  });

  it('priority: priority first, then score, then resolver id', () => {
    expect(reduceByPriority([p('r1', 'a', 9, 0), p('r2', 'b', 1, 2)], ABC).winner).toBe('b');
    expect(reduceByPriority([p('r1', 'a', 1, 2), p('r2', 'b', 3, 2)], ABC).winner).toBe('b');
    expect(reduceByPriority([p('r2', 'a', 3, 2), p('r1', 'c', 3, 2)], ABC).winner).toBe('c');
  });

  it('vote: plurality wins over scores; equal counts go to the candidate with the first supporter', () => {
    expect(reduceByVote([p('r1', 'a', 9), p('r2', 'b'), p('r3', 'b')], ABC)).toEqual({ winner: 'b', why: '2 of 3 votes' });
    expect(reduceByVote([p('r4', 'a'), p('r2', 'b'), p('r3', 'a'), p('r1', 'b')], ABC).winner).toBe('b');
    expect(reduceByVote([p('r1', 'zzz'), p('r2', 'zzz'), p('r3', 'c')], ABC).winner).toBe('c');
  });

  it('veto: any veto stops the decision and names every vetoing resolver; else score', () => {
    expect(reduceByVeto([p('r1', 'a', 9), p('r3', 'b', 0, 0, true), p('r2', 'c', 0, 0, true)], ABC)).toEqual({ vetoedBy: ['r2', 'r3'], why: 'vetoed by r2, r3' });
    expect(reduceByVeto([p('r1', 'a', 1), p('r2', 'b', 2)], ABC).winner).toBe('b');
    expect(reduceByVeto([p('r1', 'zzz', 0, 0, true), p('r2', 'b', 2)], ABC).vetoedBy).toEqual(['r1']);
  });

  it('a veto is never support, in any reducer', () => {
    const ps = [p('r1', 'a', 9, 9, true), p('r2', 'b', 1)];
    for (const name of ['score', 'priority', 'vote', 'first-valid'] as const) expect(REDUCERS[name](ps, ABC).winner).toBe('b');
  });

  it('first-valid: first in resolver order that names a candidate, whatever its score', () => {
    expect(reduceFirstValid([p('r3', 'a', 9), p('r1', 'zzz', 9), p('r2', 'c', 0)], ABC)).toEqual({ winner: 'c', why: 'first valid proposal, from r2' });
  });
});
