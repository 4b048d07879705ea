/**
 * The engine end to end under faults: partial answers, no answers, a resolver
 * that crashes mid-collect, one that floods, one that is late, one with no
 * grants (refused and audited by the kernel), and asks the engine refuses.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AskReply, type AskBody } from '../../../extensions/arbitration/protocol.js';
import { compileFixture, rejection, startArbitration, type Arbitration } from './harness.js';
import { KNOWN, testPolicy } from './policy.js';

interface Report {
  subscribeError: string | null;
  asks: string[];
  outcomes: Record<string, unknown>[];
}

describe('arbitration through the kernel: faults', () => {
  let t: Arbitration;
  const ask = async (body: AskBody) => AskReply.parse(await t.client.call('arbitration', 'ask', body.kind, body, { timeoutMs: 4_000 }));
  const abc = (kind: string, deadlineMs = 300): AskBody => ({ kind, question: 'pick one', candidates: ['a', 'b', 'c'], deadlineMs });
  const report = async (id: string) => (await t.client.call(id, 'report', '', null)) as Report;

  beforeAll(async () => {
    t = await startArbitration(async (dir) => testPolicy(await compileFixture(dir)));
  });
  afterAll(async () => t?.close());

  it('decides on the proposals in by the deadline when only some resolvers answer', async () => {
    const started = Date.now();
    const reply = await ask(abc('Partial'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(reply).toMatchObject({ outcome: 'decided', winner: 'a', closedBy: 'deadline', asked: [...KNOWN].sort() });
    expect(reply.proposals.map((p) => p.resolver)).toEqual(['r-alpha']);
  });

  it('answers no_decision with who was asked when nobody proposes, never hanging', async () => {
    const started = Date.now();
    const reply = await ask(abc('Silent', 250));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reply).toMatchObject({ outcome: 'no_decision', proposals: [], asked: [...KNOWN].sort(), closedBy: 'deadline', why: 'no proposals by the deadline (250 ms)' });
    expect(reply.winner).toBeUndefined();
  });

  it('a resolver that crashes mid-collect is missing from the decision, which is still made', async () => {
    const reply = await ask(abc('Crash', 1_500));
    expect(reply).toMatchObject({ outcome: 'decided', winner: 'a' });
    expect(reply.proposals.map((p) => p.resolver)).toEqual(['r-alpha']);
    await expect.poll(() => t.audit().find((r) => r.action === 'endpoint.crash' && r.target === 'r-crash'), { timeout: 5_000 }).toBeDefined();
  });

  it('a resolver that floods gets one proposal in and E_OVERLOADED for the rest', async () => {
    const reply = await ask(abc('Flood'));
    expect(reply.proposals.filter((p) => p.resolver === 'r-flood')).toHaveLength(1);
    const outcomes = (await report('r-flood')).outcomes.filter((o) => o.kind === 'Flood');
    expect(outcomes).toHaveLength(10);
    expect(outcomes.filter((o) => o.accepted === true)).toHaveLength(1);
    expect(outcomes.filter((o) => o.code === 'E_OVERLOADED')).toHaveLength(9);
  });

  it('a late proposal is counted and ignored: the resolver is told late, the decision stands', async () => {
    const reply = await ask(abc('Late'));
    expect(reply).toMatchObject({ outcome: 'no_decision', proposals: [] });
    await expect.poll(async () => (await report('r-late')).outcomes, { timeout: 3_000 }).toEqual([{ kind: 'Late', accepted: false, late: true }]);
  });

  it('a resolver without grants cannot see asks or propose: the kernel refuses and audits both', async () => {
    const rogue = await report('rogue');
    expect(rogue.subscribeError).toBe('E_DENIED');
    expect(t.audit().find((r) => r.actor === 'rogue' && r.action === 'subscribe')).toMatchObject({ verdict: 'deny', code: 'E_DENIED', target: 'decision.ask.*' });
    const reply = await ask(abc('Scores'));
    expect((await report('rogue')).asks).toEqual([]);
    expect(reply.proposals.map((p) => p.resolver)).not.toContain('rogue');
    const attempt = (await t.client.call('rogue', 'tryPropose', '', { questionId: reply.questionId, proposal: 'a' })) as { code: string };
    expect(attempt.code).toBe('E_DENIED');
    expect(t.audit().find((r) => r.actor === 'rogue' && r.action === 'call' && r.target === 'arbitration')).toMatchObject({ verdict: 'deny', code: 'E_DENIED', op: 'propose', resource: reply.questionId });
  });

  it('a granted resolver proposing for an unknown question gets E_BAD_ENVELOPE', async () => {
    const attempt = (await t.client.call('r-alpha', 'tryPropose', '', { questionId: randomUUID(), proposal: 'a' })) as { code: string };
    expect(attempt.code).toBe('E_BAD_ENVELOPE');
  });

  it('refuses asks it cannot answer well, saying what to change', async () => {
    const unknown = await rejection(t.client.call('arbitration', 'ask', 'Nope', { ...abc('Nope') }));
    expect(unknown).toMatchObject({ code: 'E_BAD_ENVELOPE', hint: expect.stringContaining('data.kinds') });
    const mismatch = await rejection(t.client.call('arbitration', 'ask', 'Scores', { ...abc('Silent') }));
    expect(mismatch).toMatchObject({ code: 'E_BAD_ENVELOPE', message: expect.stringContaining('differs from body kind') });
    const tooLong = await rejection(t.client.call('arbitration', 'ask', 'Silent', { ...abc('Silent', 60_000) }));
    expect(tooLong).toMatchObject({ code: 'E_BAD_ENVELOPE', hint: expect.stringContaining('data.maxDeadlineMs') });
    const duplicate = await rejection(t.client.call('arbitration', 'ask', 'Silent', { ...abc('Silent'), candidates: ['a', 'a'] }));
    expect(duplicate.code).toBe('E_BAD_ENVELOPE');
  });

  it('bounds open questions: past data.maxPending an ask gets E_OVERLOADED', async () => {
    const asks = Array.from({ length: 9 }, () => t.client.call('arbitration', 'ask', 'Silent', abc('Silent', 500), { timeoutMs: 4_000 }));
    const results = await Promise.allSettled(asks);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
    expect(refused).toEqual(['E_OVERLOADED']);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(8);
  });
});
