/**
 * `first-valid`: the first supporting proposal in the canonical order (lexical
 * by resolver id) wins — "first" never means first to arrive.
 *
 * @module
 */
import { supporting } from '../tie-break.js';
import { NO_VALID, type Reducer } from './verdict.js';

/** @example reduceFirstValid(proposals, new Set(['a', 'b'])) */
export const reduceFirstValid: Reducer = (proposals, candidates) => {
  const first = supporting(proposals, candidates)[0];
  if (!first) return NO_VALID;
  return { winner: first.proposal, why: `first valid proposal, from ${first.resolver}` };
};
