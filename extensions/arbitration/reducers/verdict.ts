/**
 * What a reducer returns, and the reducer type. Reducers are pure functions of
 * (proposals, candidates): no clock, no I/O, no state — so they could move into
 * a Wasm module unchanged in meaning.
 *
 * @module
 */
import type { Proposal } from '../protocol.js';

export interface Verdict {
  /** The chosen candidate; absent = no decision. */
  readonly winner?: string;
  /** Resolvers whose veto stopped the decision. */
  readonly vetoedBy?: readonly string[];
  /** One line: how the winner was chosen, or why none was. */
  readonly why: string;
}

export type Reducer = (proposals: readonly Proposal[], candidates: ReadonlySet<string>) => Verdict;

export const NO_VALID: Verdict = Object.freeze({ why: 'no proposal named a candidate' });
