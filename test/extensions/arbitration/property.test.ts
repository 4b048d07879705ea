/**
 * Property: a decision is a function of the SET of proposals. For every
 * reducer, every permutation of the arrival order gives the same reply and the
 * same evidence — through the pure reducers and through the engine's collector.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../extensions/arbitration/config.js';
import { Engine } from '../../../extensions/arbitration/engine.js';
import { REDUCER_NAMES, type AskReply, type Proposal } from '../../../extensions/arbitration/protocol.js';
import { REDUCERS } from '../../../extensions/arbitration/reducers/index.js';
import type { MessageContext } from '../../../extensions/sdk/worker/index.js';
import { ManualClock } from './clock.js';

const CANDIDATES = ['a', 'b', 'c'];
// Few distinct values, so ties are common.
const proposal = fc.record({
  resolver: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'R6', 'r10', 'x'),
  proposal: fc.constantFrom('a', 'b', 'c', 'zzz'),
  score: fc.constantFrom(0, 0.5, 1, -1),
  priority: fc.constantFrom(0, 1, 2),
  veto: fc.option(fc.boolean(), { nil: undefined }),
  reason: fc.constantFrom('', 'because'),
});
const proposalSet = fc.uniqueArray(proposal, { selector: (p) => p.resolver, maxLength: 8 }).map((ps) => ps.map((p) => (p.veto === undefined ? (({ veto: _v, ...rest }) => rest)(p) : p)) as Proposal[]);
const withPermutation = proposalSet.chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length })));

/** Run one ask through the engine, proposals arriving in `order`. */
async function decide(order: readonly Proposal[], reducer: (typeof REDUCER_NAMES)[number]): Promise<{ reply: AskReply; made: unknown }> {
  const clock = new ManualClock();
  const engine = new Engine(readConfig({ kinds: ['K'] }), clock, () => 'q-1');
  const published: Array<[string, unknown]> = [];
  const api = {
    publish: async (topic: string, body: unknown) => {
      published.push([topic, body]);
      if (topic.startsWith('decision.ask.')) {
        for (const { resolver, ...body } of order) engine.propose({ questionId: 'q-1', ...body }, { ...ctx, from: resolver, resource: 'q-1', op: 'propose' });
        clock.advance(1_000);
      }
    },
  } as unknown as MessageContext['api'];
  const ctx: MessageContext = { from: 'asker', op: 'ask', resource: 'K', traceId: 't', correlationId: undefined, api };
  const reply = await engine.ask({ kind: 'K', question: 'q', candidates: CANDIDATES, deadlineMs: 500, reducer }, ctx);
  return { reply, made: published.find(([topic]) => topic === 'decision.made.K')?.[1] };
}

describe('order independence', () => {
  it('every reducer gives the same verdict for every permutation of the proposals', () => {
    fc.assert(
      fc.property(withPermutation, ([ps, perm]) => {
        for (const name of REDUCER_NAMES) expect(REDUCERS[name](perm, new Set(CANDIDATES))).toEqual(REDUCERS[name](ps, new Set(CANDIDATES)));
      }),
      { numRuns: 500 },
    );
  });

  it('through the engine, the reply and the evidence do not depend on arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(withPermutation, fc.constantFrom(...REDUCER_NAMES), async ([ps, perm], reducer) => {
        const [first, second] = [await decide(ps, reducer), await decide(perm, reducer)];
        expect(second).toEqual(first);
        expect(first.reply.proposals).toHaveLength(ps.length);
      }),
      { numRuns: 200 },
    );
  });
});
