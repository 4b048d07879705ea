/**
 * The reducers side by side, by the name an asker (or `data.reducer`) picks.
 *
 * @module
 */
import type { ReducerName } from '../protocol.js';
import { reduceFirstValid } from './first-valid.js';
import { reduceByPriority } from './priority.js';
import { reduceByScore } from './score.js';
import type { Reducer } from './verdict.js';
import { reduceByVeto } from './veto.js';
import { reduceByVote } from './vote.js';

export type { Reducer, Verdict } from './verdict.js';
export { reduceByScore, reduceByPriority, reduceByVote, reduceByVeto, reduceFirstValid };

export const REDUCERS: Readonly<Record<ReducerName, Reducer>> = Object.freeze({
  score: reduceByScore,
  priority: reduceByPriority,
  vote: reduceByVote,
  veto: reduceByVeto,
  'first-valid': reduceFirstValid,
});
