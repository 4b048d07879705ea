/**
 * `score`: the supporting proposal with the highest score wins; equal scores go
 * to the lexically first resolver id.
 *
 * @module
 */
import { best, supporting } from '../tie-break.js';
import { NO_VALID, type Reducer } from './verdict.js';

/** @example reduceByScore(proposals, new Set(['a', 'b'])) */
export const reduceByScore: Reducer = (proposals, candidates) => {
  const winner = best(supporting(proposals, candidates), (a, b) => a.score - b.score);
  if (!winner) return NO_VALID;
  return { winner: winner.proposal, why: `highest score ${winner.score} from ${winner.resolver}` };
};
