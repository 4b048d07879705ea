/**
 * The engine end to end through the real kernel and worker sandboxes: each
 * reducer on proposals from real and fixture resolvers, the tie rule, early
 * close (all known answered, quorum), and the evidence on decision.made.*.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AskReply, DecisionMade, type AskBody } from '../../../extensions/arbitration/protocol.js';
import { compileFixture, startArbitration, type Arbitration } from './harness.js';
import { KNOWN, testPolicy } from './policy.js';

describe('arbitration through the kernel: reducers', () => {
  let t: Arbitration;
  const ask = async (body: AskBody) => AskReply.parse(await t.client.call('arbitration', 'ask', body.kind, body, { timeoutMs: 4_000 }));
  const abc = (kind: string, reducer: AskBody['reducer']): AskBody => ({ kind, question: 'pick one', candidates: ['a', 'b', 'c'], reducer });

  beforeAll(async () => {
    t = await startArbitration(async (dir) => testPolicy(await compileFixture(dir)));
  });
  afterAll(async () => t?.close());

  it('the two metaschedulers coexist: score picks the cheapest, priority the fastest', async () => {
    const body: AskBody = { kind: 'ToolResolution', question: 'which instrument counts words?', candidates: ['wordcount', 'relay'], reducer: 'score' };
    const byScore = await ask(body);
    expect(byScore).toMatchObject({ outcome: 'decided', winner: 'wordcount', reducer: 'score', asked: [...KNOWN].sort(), late: 0, closedBy: 'deadline' });
    expect(byScore.proposals.map((p) => [p.resolver, p.proposal, p.priority])).toEqual([['cheapest', 'wordcount', 0], ['fastest', 'relay', 1]]);
    const byPriority = await ask({ ...body, reducer: 'priority' });
    expect(byPriority).toMatchObject({ outcome: 'decided', winner: 'relay', reducer: 'priority' });
  });

  it('score: equal top scores go to the lexically first resolver (r-beta before r-gamma)', async () => {
    const reply = await ask(abc('Scores', 'score'));
    expect(reply).toMatchObject({ outcome: 'decided', winner: 'b' });
    expect(reply.proposals.map((p) => p.resolver)).toEqual(['r-alpha', 'r-beta', 'r-gamma']);
  });

  it('priority: the highest priority wins over higher scores', async () => {
    expect(await ask(abc('Scores', 'priority'))).toMatchObject({ outcome: 'decided', winner: 'a' });
  });

  it('vote: the candidate most proposals name wins over a higher score', async () => {
    expect(await ask(abc('Votes', 'vote'))).toMatchObject({ outcome: 'decided', winner: 'b', why: '2 of 3 votes' });
    expect(await ask(abc('Votes', 'score'))).toMatchObject({ winner: 'a' });
  });

  it('first-valid: skips a proposal that names no candidate, in resolver order', async () => {
    const reply = await ask(abc('Invalid', 'first-valid'));
    expect(reply).toMatchObject({ outcome: 'decided', winner: 'c' });
    expect(reply.proposals[0]).toMatchObject({ resolver: 'r-alpha', proposal: 'zzz' });
    expect(await ask(abc('Invalid', 'score'))).toMatchObject({ winner: 'a' });
  });

  it('veto: one veto means no decision, naming the vetoing resolver; without vetoes it decides by score', async () => {
    const vetoed = await ask(abc('Vetoes', 'veto'));
    expect(vetoed).toMatchObject({ outcome: 'no_decision', vetoedBy: ['r-beta'], reducer: 'veto' });
    expect(vetoed.winner).toBeUndefined();
    expect(await ask(abc('Vetoes', 'score'))).toMatchObject({ outcome: 'decided', winner: 'c' });
    expect(await ask(abc('Scores', 'veto'))).toMatchObject({ outcome: 'decided', winner: 'b' });
  });

  it('closes early when every known resolver answered, or at the quorum', async () => {
    const started = Date.now();
    const all = await ask({ kind: 'Everyone', question: 'q', candidates: ['wordcount', 'relay'], deadlineMs: 3_000, reducer: 'vote' });
    expect(all).toMatchObject({ closedBy: 'all', outcome: 'decided', winner: 'relay' });
    expect(all.proposals).toHaveLength(5);
    const quorum = await ask({ ...abc('Scores', 'score'), deadlineMs: 3_000, quorum: 2 });
    expect(quorum.closedBy).toBe('quorum');
    expect(quorum.proposals).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('publishes the evidence on decision.made.<kind>: proposals and reducer, no question text', async () => {
    const reply = await ask({ ...abc('Scores', 'score'), question: 'a question that must not be published' });
    await expect.poll(() => t.made.find((e) => (e.body as { questionId?: string }).questionId === reply.questionId)).toBeDefined();
    const event = t.made.find((e) => (e.body as { questionId?: string }).questionId === reply.questionId)!;
    expect(event).toMatchObject({ from: 'arbitration', to: 'decision.made.Scores' });
    const made = DecisionMade.parse(event.body);
    expect(made).toMatchObject({ kind: 'Scores', outcome: 'decided', winner: 'b', reducer: 'score', candidates: ['a', 'b', 'c'] });
    expect(made.proposals.map((p) => [p.resolver, p.score, p.priority])).toEqual([['r-alpha', 0.2, 5], ['r-beta', 0.9, 0], ['r-gamma', 0.9, 0]]);
    expect(JSON.stringify(event.body)).not.toContain('must not be published');
    expect(t.audit().some((r) => r.actor === 'arbitration' && r.action === 'publish' && r.target === 'decision.made.Scores' && r.verdict === 'allow')).toBe(true);
  });
});
