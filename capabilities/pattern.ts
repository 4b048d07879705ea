/**
 * Resource patterns: the only shapes a grant may name.
 *
 * A pattern is either a literal key (`reports/q3.json`), the wildcard `*`, or a
 * prefix ending in a separator followed by `*` (`reports/*`, `dag.*`, `tenant:*`).
 * Prefixes end at a separator so that two patterns are always either nested or
 * disjoint: that keeps containment decidable with one comparison and lets the
 * matcher look patterns up in a trie instead of trying each one.
 *
 * @module
 */
import { z } from 'zod';

/** Characters a prefix pattern may end with, just before its `*`. */
export const PATTERN_SEPARATORS = ['/', '.', ':'] as const;

const MAX_PATTERN_LENGTH = 512;
// Control characters and whitespace never belong in a key; they hide in logs.
const FORBIDDEN = /[\u0000-\u0020\u007f]/;

/**
 * Says what is wrong with a pattern, or `undefined` when it is valid.
 *
 * @example
 * patternProblem('re*ports') // '"re*ports" is not a valid pattern; use a literal key or end with "/*"'
 */
export function patternProblem(pattern: string): string | undefined {
  const shown = JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern);
  if (pattern.length === 0) return 'an empty pattern matches nothing; use a literal key, "prefix/*" or "*"';
  if (pattern.length > MAX_PATTERN_LENGTH) return `${shown} is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (FORBIDDEN.test(pattern)) return `${shown} contains whitespace or a control character`;
  const star = pattern.indexOf('*');
  if (star === -1) return undefined;
  const prefix = pattern.slice(0, -1);
  const endsWithStar = star === pattern.length - 1;
  const separatorBefore = prefix === '' || (PATTERN_SEPARATORS as readonly string[]).includes(prefix.at(-1) ?? '');
  if (!endsWithStar || !separatorBefore || prefix.includes('*')) {
    return `${shown} is not a valid pattern; use a literal key or end with "/*"`;
  }
  return undefined;
}

/** A validated pattern string. */
export const Pattern = z.string().superRefine((value, ctx) => {
  const problem = patternProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** True when `pattern` ends in `*` (and so names every key under its prefix). */
export function isPrefixPattern(pattern: string): boolean {
  return pattern.endsWith('*');
}

/** Does `pattern` match the concrete `key`? Keys never contain `*`. */
export function patternMatches(pattern: string, key: string): boolean {
  if (!isPrefixPattern(pattern)) return pattern === key;
  return key.startsWith(pattern.slice(0, -1)) && !key.includes('*');
}

/** Is every key matched by `inner` also matched by `outer`? */
export function patternWithin(inner: string, outer: string): boolean {
  if (!isPrefixPattern(outer)) return inner === outer;
  const outerPrefix = outer.slice(0, -1);
  return inner.startsWith(outerPrefix);
}

/** Do the two patterns match at least one key in common? (They are nested or disjoint.) */
export function patternsOverlap(a: string, b: string): boolean {
  return patternWithin(a, b) || patternWithin(b, a);
}
