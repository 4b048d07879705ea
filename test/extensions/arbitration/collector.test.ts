/**
 * The collector with a hand-driven clock: deadline, quorum, all-known close,
 * late counting, and every bound (pending questions, proposals, one per resolver).
 */
import { describe, expect, it } from 'vitest';
import { Collector, type Collected } from '../../../extensions/arbitration/collector.js';
import { readConfig } from '../../../extensions/arbitration/config.js';
import { ManualClock } from './clock.js';

const LIMITS = { maxPending: 2, maxProposals: 3, rememberClosed: 2 };
const body = (questionId: string, proposal = 'a') => ({ questionId, proposal, score: 1, priority: 0, reason: 'r' });
const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'no error';
};

function setup(limits = LIMITS) {
  const clock = new ManualClock();
  const collector = new Collector(clock, limits);
  const settled: Collected[] = [];
  const open = (questionId: string, extra: { quorum?: number; expected?: string[]; ms?: number } = {}) =>
    void collector.open({ questionId, deadline: clock.now() + (extra.ms ?? 100), quorum: extra.quorum, expected: extra.expected ?? [] }).then((c) => settled.push(c));
  return { clock, collector, settled, open, flush: () => new Promise((resolve) => setTimeout(resolve, 0)) };
}

describe('Collector', () => {
  it('collects until the deadline, then settles with what came in and clears its timer', async () => {
    const s = setup();
    s.open('q1');
    expect(s.collector.propose('r1', body('q1'))).toEqual({ accepted: true, late: false });
    s.clock.advance(99);
    await s.flush();
    expect(s.settled).toEqual([]);
    s.clock.advance(1);
    await s.flush();
    expect(s.settled).toEqual([{ proposals: [{ resolver: 'r1', proposal: 'a', score: 1, priority: 0, reason: 'r' }], late: 0, closedBy: 'deadline' }]);
    expect(s.clock.timers).toBe(0);
    expect(s.collector.pending).toBe(0);
  });

  it('closes at the quorum, or when every expected resolver answered', async () => {
    const s = setup();
    s.open('q1', { quorum: 2 });
    s.open('q2', { expected: ['r1', 'r2'] });
    s.collector.propose('r1', body('q1'));
    s.collector.propose('r9', body('q2'));
    s.collector.propose('r1', body('q2'));
    s.collector.propose('r2', body('q1'));
    await s.flush();
    expect(s.settled.map((c) => [c.closedBy, c.proposals.length])).toEqual([['quorum', 2]]);
    s.collector.propose('r2', body('q2'));
    await s.flush();
    expect(s.settled.map((c) => [c.closedBy, c.proposals.length])).toEqual([['quorum', 2], ['all', 3]]);
    expect(s.clock.timers).toBe(0);
  });

  it('counts a proposal past the deadline as late, before and after the close', async () => {
    const s = setup();
    s.open('q1');
    s.clock.stall(150); // the deadline passed, but a busy event loop has not run the close timer yet
    expect(s.collector.propose('r1', body('q1'))).toEqual({ accepted: false, late: true });
    s.clock.advance(0);
    await s.flush();
    expect(s.settled).toEqual([{ proposals: [], late: 1, closedBy: 'deadline' }]);
    expect(s.collector.propose('r2', body('q1'))).toEqual({ accepted: false, late: true });
    expect(s.collector.lateAfterClose('q1')).toBe(1);
  });

  it('bounds: one proposal per resolver, maxProposals per question, maxPending questions', () => {
    const s = setup();
    s.open('q1');
    s.collector.propose('r1', body('q1'));
    expect(code(() => s.collector.propose('r1', body('q1', 'b')))).toBe('E_OVERLOADED');
    s.collector.propose('r2', body('q1'));
    s.collector.propose('r3', body('q1'));
    expect(code(() => s.collector.propose('r4', body('q1')))).toBe('E_OVERLOADED');
    s.open('q2');
    expect(code(() => s.open('q3'))).toBe('E_OVERLOADED');
    expect(code(() => s.collector.propose('r1', body('nope')))).toBe('E_BAD_ENVELOPE');
  });

  it('remembers only the last rememberClosed questions', async () => {
    const s = setup();
    for (const id of ['q1', 'q2', 'q3']) {
      s.open(id);
      s.collector.cancel(id);
    }
    expect(s.collector.lateAfterClose('q1')).toBeUndefined();
    expect(s.collector.lateAfterClose('q3')).toBe(0);
    expect(code(() => s.collector.propose('r1', body('q1')))).toBe('E_BAD_ENVELOPE');
  });
});

describe('readConfig', () => {
  it('fills defaults and adds user kinds to the built-in ones', () => {
    const config = readConfig({ kinds: ['RouteChoice'] });
    expect(config).toMatchObject({ deadlineMs: 500, reducer: 'score', maxPending: 16, resolvers: [] });
    expect([...config.knownKinds]).toEqual(['ToolResolution', 'AgentResolution', 'ContextResolution', 'RouteChoice']);
  });
  it('names the wrong field with E_POLICY_INVALID', () => {
    expect(code(() => readConfig({ reducer: 'median' }))).toBe('E_POLICY_INVALID');
    expect(() => readConfig({ deadlinems: 5 })).toThrow(/data\./);
    expect(() => readConfig({ kinds: ['a.b'] })).toThrow(/data\.kinds\.0/);
    expect(() => readConfig({ deadlineMs: 5_000, maxDeadlineMs: 1_000 })).toThrow(/maxDeadlineMs/);
  });
});
