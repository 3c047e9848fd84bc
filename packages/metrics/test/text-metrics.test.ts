import { describe, expect, it } from 'vitest';
import { anlsMetric, anlsSimilarity } from '../src/metrics/anls.ts';
import { exactMatchMetric } from '../src/metrics/exact-match.ts';
import { relaxedAccuracyMetric, relaxedCorrect } from '../src/metrics/relaxed-accuracy.ts';
import { pythonFloat } from '../src/parsers/python-float.ts';
import { levenshtein } from '../src/parsers/levenshtein.ts';

describe('exact match (GQA)', () => {
  it('ignores case, punctuation and extra spaces', () => {
    const sample = { id: 'g', answer: 'left' };
    expect(exactMatchMetric.scoreSample('Left.', sample).score).toBe(1);
    expect(exactMatchMetric.scoreSample('  LEFT ', sample).score).toBe(1);
    expect(exactMatchMetric.scoreSample('on the left', sample).score).toBe(0);
  });
});

describe('ANLS (DocVQA)', () => {
  it('is 1 - normalised edit distance, zero below 0.5, best over answers', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(anlsSimilarity('Kitten ', 'kitten')).toBe(1);
    expect(anlsSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 15); // 0.571 kept
    expect(anlsSimilarity('abcd', 'abxy')).toBe(0.5); // exactly at the threshold: kept
    expect(anlsSimilarity('abcd', 'axyz')).toBe(0); // 0.25 < 0.5
    expect(anlsMetric.scoreSample('sitting', { id: 'd', answers: ['kitten', 'sitting'] }).score).toBe(1);
  });
});

describe('relaxed accuracy (ChartQA)', () => {
  it('accepts numbers within 5% of a non-zero target, else needs an exact match', () => {
    expect(relaxedCorrect('104', '100')).toBe(true);
    expect(relaxedCorrect('105', '100')).toBe(true);
    expect(relaxedCorrect('105.1', '100')).toBe(false);
    expect(relaxedCorrect('12%', '0.12')).toBe(true);
    expect(relaxedCorrect('0', '0')).toBe(true); // zero target: string match
    expect(relaxedCorrect('0.0', '0')).toBe(false);
    expect(relaxedCorrect('Yes', 'yes')).toBe(true);
    expect(relaxedAccuracyMetric.scoreSample('1,000', { id: 'c', answers: ['1000'] }).score).toBe(0); // not a float
  });

  it('reads numbers as Python float() does', () => {
    expect(pythonFloat('1_000')).toBe(1000);
    expect(pythonFloat(' 1e3 ')).toBe(1000);
    expect(pythonFloat('.5')).toBe(0.5);
    expect(pythonFloat('')).toBeNull();
    expect(pythonFloat('0x10')).toBeNull();
    expect(pythonFloat('-Infinity')).toBe(-Infinity);
  });
});
