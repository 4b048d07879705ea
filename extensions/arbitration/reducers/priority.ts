/**
 * `priority`: the supporting proposal with the highest priority wins; equal
 * priorities go to the higher score, then to the lexically first resolver id.
 *
 * @module
 */
import { best, supporting } from '../tie-break.js';
import { NO_VALID, type Reducer } from './verdict.js';

/** @example reduceByPriority(proposals, new Set(['a', 'b'])) */
export const reduceByPriority: Reducer = (proposals, candidates) => {
  const winner = best(supporting(proposals, candidates), (a, b) => a.priority - b.priority || a.score - b.score);
  if (!winner) return NO_VALID;
  return { winner: winner.proposal, why: `highest priority ${winner.priority} (score ${winner.score}) from ${winner.resolver}` };
};
