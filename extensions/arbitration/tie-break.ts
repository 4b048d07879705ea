/**
 * The tie rule: proposals are put in one total order before any reducer looks
 * at them — lexical by resolver id (UTF-16 code units, not locale), and, only
 * for a pure caller that passes two proposals from one resolver, by the rest of
 * the proposal's fields. Every reducer picks the first best proposal in this
 * order, so a decision is a function of the SET of proposals, never of the
 * order they arrived in.
 *
 * @module
 */
import type { Proposal } from './protocol.js';

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical order: resolver id, then proposal, score, priority, veto, reason.
 *
 * @example
 * [...proposals].sort(byTieRule)
 */
export function byTieRule(a: Proposal, b: Proposal): number {
  return (
    compareText(a.resolver, b.resolver) ||
    compareText(a.proposal, b.proposal) ||
    a.score - b.score ||
    a.priority - b.priority ||
    Number(a.veto === true) - Number(b.veto === true) ||
    compareText(a.reason, b.reason)
  );
}

/** A sorted copy in the canonical order. */
export function canonical(proposals: readonly Proposal[]): Proposal[] {
  return [...proposals].sort(byTieRule);
}

/**
 * The proposals that support a candidate: they name one of `candidates` and are
 * not vetoes (a veto objects; it never counts as support). Canonical order.
 */
export function supporting(proposals: readonly Proposal[], candidates: ReadonlySet<string>): Proposal[] {
  return canonical(proposals.filter((p) => p.veto !== true && candidates.has(p.proposal)));
}

/**
 * The first proposal that no later one beats under `better` (positive = a beats b).
 * With `supporting`'s canonical order this is "best, then lexically first resolver".
 */
export function best(ordered: readonly Proposal[], better: (a: Proposal, b: Proposal) => number): Proposal | undefined {
  let winner: Proposal | undefined;
  for (const proposal of ordered) if (winner === undefined || better(proposal, winner) > 0) winner = proposal;
  return winner;
}
