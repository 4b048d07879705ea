/**
 * `vote`: each supporting proposal is one vote for the candidate it names; the
 * candidate with the most votes wins (a plurality). Equal counts go to the
 * candidate whose lexically first supporter comes first.
 *
 * @module
 */
import { supporting } from '../tie-break.js';
import { NO_VALID, type Reducer } from './verdict.js';

/** @example reduceByVote(proposals, new Set(['a', 'b'])) */
export const reduceByVote: Reducer = (proposals, candidates) => {
  const votes = supporting(proposals, candidates);
  // Map keeps insertion order: candidates appear in the order of their first supporter.
  const counts = new Map<string, number>();
  for (const vote of votes) counts.set(vote.proposal, (counts.get(vote.proposal) ?? 0) + 1);
  let winner: string | undefined;
  let most = 0;
  for (const [candidate, count] of counts) {
    if (count > most) {
      winner = candidate;
      most = count;
    }
  }
  if (winner === undefined) return NO_VALID;
  return { winner, why: `${most} of ${votes.length} votes` };
};
