/**
 * `veto`: any proposal with `veto: true` stops the decision (`no_decision`,
 * naming every vetoing resolver in lexical order); otherwise `score` decides.
 *
 * @module
 */
import { canonical } from '../tie-break.js';
import { reduceByScore } from './score.js';
import type { Reducer } from './verdict.js';

/** @example reduceByVeto(proposals, new Set(['a', 'b'])) */
export const reduceByVeto: Reducer = (proposals, candidates) => {
  const vetoes = canonical(proposals.filter((p) => p.veto === true));
  if (vetoes.length === 0) return reduceByScore(proposals, candidates);
  const vetoedBy = [...new Set(vetoes.map((p) => p.resolver))];
  return { vetoedBy, why: `vetoed by ${vetoedBy.join(', ')}` };
};
