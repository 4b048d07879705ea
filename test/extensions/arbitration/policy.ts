/**
 * The test policy: the engine, the two real resolvers (`cheapest`, `fastest`)
 * and fixture resolvers scripted per decision kind, written as a policy file's
 * `extensions:` block with absolute module paths.
 *
 * @module
 */
import path from 'node:path';
import { DIST, ENGINE_CONCURRENCY } from './harness.js';

/** User-defined kinds the tests ask about, one per scenario. */
export const KINDS = ['Scores', 'Votes', 'Invalid', 'Vetoes', 'Partial', 'Silent', 'Crash', 'Flood', 'Late', 'Everyone'];
/** The known resolvers (`data.resolvers`). */
export const KNOWN = ['cheapest', 'fastest', 'r-alpha', 'r-beta', 'r-gamma'];

const RESOLVER_GRANTS = [
  { subscribe: 'decision.ask.*', why: 'hear questions' },
  { call: 'arbitration', ops: ['propose'], why: 'answer them' },
];

function fixture(module: string, answers: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { sandbox: 'worker', module, why: 'scripted test resolver', allow: RESOLVER_GRANTS, data: { answers }, ...extra };
}

/** Every scenario's cast. `fixtureModule` is the compiled fixtures/resolver.ts. */
export function testPolicy(fixtureModule: string, engineData: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    arbitration: {
      sandbox: 'worker',
      module: path.join(DIST, 'index.js'),
      why: 'the engine under test',
      allow: [
        { publish: 'decision.ask.*', why: 'ask resolvers' },
        { publish: 'decision.made.*', why: 'publish evidence' },
      ],
      host: { clock: true, timeoutMs: 5_000, concurrency: ENGINE_CONCURRENCY },
      data: { deadlineMs: 400, resolvers: KNOWN, kinds: KINDS, maxPending: 8, ...engineData },
    },
    cheapest: { sandbox: 'worker', module: path.join(DIST, 'resolvers', 'cheapest.js'), why: 'real resolver', allow: RESOLVER_GRANTS, data: { costs: { wordcount: 1, relay: 3 } } },
    fastest: { sandbox: 'worker', module: path.join(DIST, 'resolvers', 'fastest.js'), why: 'real resolver', allow: RESOLVER_GRANTS, data: { latencies: { wordcount: 40, relay: 5 }, priority: 1 } },
    'r-alpha': fixture(fixtureModule, {
      Scores: { proposal: 'a', score: 0.2, priority: 5 },
      Votes: { proposal: 'b' },
      Invalid: { proposal: 'zzz', score: 9 },
      Vetoes: { proposal: 'a', score: 1 },
      Partial: { proposal: 'a' },
      Crash: { proposal: 'a' },
      Flood: { proposal: 'b' },
      Everyone: { proposal: 'relay' },
    }),
    'r-beta': fixture(fixtureModule, {
      Scores: { proposal: 'b', score: 0.9 },
      Votes: { proposal: 'b' },
      Invalid: { proposal: 'c', score: 1 },
      Vetoes: { proposal: 'b', veto: true },
      Everyone: { proposal: 'relay' },
    }),
    'r-gamma': fixture(fixtureModule, {
      Scores: { proposal: 'c', score: 0.9 },
      Votes: { proposal: 'a', score: 5 },
      Invalid: { proposal: 'a', score: 2 },
      Vetoes: { proposal: 'c', score: 2 },
      Everyone: { proposal: 'wordcount' },
    }),
    'r-crash': fixture(fixtureModule, { Crash: { mode: 'crash' } }, { host: { memoryMb: 16 } }),
    'r-flood': fixture(fixtureModule, { Flood: { mode: 'flood', count: 10, proposal: 'a' } }),
    'r-late': fixture(fixtureModule, { Late: { mode: 'late', delayMs: 700 } }, { host: { clock: true } }),
    // Same code, no grants: its subscription and its proposals must be refused and audited.
    rogue: { sandbox: 'worker', module: fixtureModule, why: 'a resolver nobody granted anything', allow: [], data: { answers: { Scores: { proposal: 'a', score: 100 } } } },
  };
}
