import { describe, expect, it } from 'vitest';
import { compileLabelTests, labelsMatch } from '../../../src/processors/match/label-match.ts';

describe('labelsMatch', () => {
  const tests = compileLabelTests({ method: '^(GET|POST)$', code: '^5' });

  it('passes when every label is present and its value matches', () => {
    expect(labelsMatch(tests, { method: 'GET', code: 503, other: 'x' })).toBe(true);
  });

  it('fails on a label that is absent or whose value does not match', () => {
    expect(labelsMatch(tests, { method: 'GET' })).toBe(false);
    expect(labelsMatch(tests, { method: 'PUT', code: 500 })).toBe(false);
  });

  it('matches unanchored patterns anywhere in the value, as written', () => {
    expect(labelsMatch(compileLabelTests({ route: 'prompts' }), { route: '/v1/prompts/7' })).toBe(true);
  });

  it('passes everything when the map is empty', () => {
    expect(labelsMatch(compileLabelTests({}), {})).toBe(true);
  });
});
