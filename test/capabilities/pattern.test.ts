import { describe, expect, it } from 'vitest';
import { Pattern, patternMatches, patternProblem, patternWithin, patternsOverlap } from '../../capabilities/index.js';

describe('patterns', () => {
  it.each(['reports/q3.json', 'reports/*', '*', 'dag.*', 'tenant:*', 'a'])('accepts %s', (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
    expect(Pattern.safeParse(pattern).success).toBe(true);
  });

  it.each([
    ['re*ports', 'is not a valid pattern'],
    ['**', 'is not a valid pattern'],
    ['', 'empty pattern'],
    ['reports*', 'is not a valid pattern'],
    ['*/reports', 'is not a valid pattern'],
    ['a b', 'whitespace'],
    ['x'.repeat(600), 'longer than'],
  ])('rejects %j with a message saying what to use', (pattern, expected) => {
    expect(patternProblem(pattern)).toContain(expected);
    expect(Pattern.safeParse(pattern).success).toBe(false);
  });

  it('tells the user how to fix a mid-string wildcard', () => {
    expect(patternProblem('re*ports')).toBe('"re*ports" is not a valid pattern; use a literal key or end with "/*"');
  });

  it('matches literals exactly and prefixes by prefix', () => {
    expect(patternMatches('reports/q3.json', 'reports/q3.json')).toBe(true);
    expect(patternMatches('reports/q3.json', 'reports/q3.jsonx')).toBe(false);
    expect(patternMatches('reports/*', 'reports/q3.json')).toBe(true);
    expect(patternMatches('reports/*', 'reports/')).toBe(true);
    expect(patternMatches('reports/*', 'reportsx/a')).toBe(false);
    expect(patternMatches('*', '')).toBe(true);
    expect(patternMatches('*', 'a*')).toBe(false);
  });

  it('decides containment and overlap', () => {
    expect(patternWithin('reports/a', 'reports/*')).toBe(true);
    expect(patternWithin('reports/x/*', 'reports/*')).toBe(true);
    expect(patternWithin('reports/*', 'reports/x/*')).toBe(false);
    expect(patternWithin('*', 'reports/*')).toBe(false);
    expect(patternWithin('reports/*', '*')).toBe(true);
    expect(patternsOverlap('reports/*', 'reports/a')).toBe(true);
    expect(patternsOverlap('reports/*', 'logs/*')).toBe(false);
  });
});
