/**
 * The capability algebra: grants, patterns, decisions, containment. Pure: no I/O,
 * and no imports from the rest of the project.
 *
 * @module
 */
export { Action, Grant, Grants, Request, parseGrants } from './grant.js';
export type { Decision, GrantInput } from './grant.js';
export {
  Pattern,
  PATTERN_SEPARATORS,
  isPrefixPattern,
  patternMatches,
  patternProblem,
  patternWithin,
  patternsOverlap,
} from './pattern.js';
export { covers, grantMatches } from './covers.js';
export { decideSubscription } from './subscription.js';
export { isSubset } from './subset.js';
export type { SubsetResult } from './subset.js';
export { compileGrants } from './matcher.js';
export { PatternIndex } from './pattern-index.js';
export type { Matcher } from './matcher.js';
export { FileGrant, HostGrants, HostPattern, NO_HOST_GRANTS, hostAllowed } from './host-grants.js';
