import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vqaAccuracyMetric } from '../src/metrics/vqa-accuracy.ts';
import { normaliseVqaPrediction, processPunctuation, vqaAccuracy } from '../src/parsers/vqa-normalisation.ts';

const tenOf = (counts: Record<string, number>): string[] => Object.entries(counts).flatMap(([a, n]) => Array(n).fill(a));

describe('VQA accuracy (official VQA evaluation)', () => {
  it('averages min(1, matches/3) over the 10 leave-one-out subsets (hand-computed)', () => {
    // 3 annotators say yes: each of them sees 2 others (2/3), the 7 others see 3 (1) -> (3*2/3 + 7)/10 = 0.9
    expect(vqaAccuracy('yes', tenOf({ yes: 3, no: 7 })).score).toBeCloseTo(0.9, 15);
    // 2 say yes: they see 1 (1/3), the 8 others see 2 (2/3) -> (2/3 + 16/3)/10 = 0.6
    expect(vqaAccuracy('yes', tenOf({ yes: 2, no: 8 })).score).toBeCloseTo(0.6, 15);
    // 1 says yes: it sees 0, the 9 others see 1 (1/3) -> 0.3
    expect(vqaAccuracy('yes', tenOf({ yes: 1, no: 9 })).score).toBeCloseTo(0.3, 15);
    expect(vqaAccuracy('yes', tenOf({ yes: 4, no: 6 })).score).toBe(1);
    expect(vqaAccuracy('maybe', tenOf({ yes: 4, no: 6 })).score).toBe(0);
  });

  it('normalises answers the official way', () => {
    expect(normaliseVqaPrediction('Two dogs.')).toBe('2 dogs');
    expect(normaliseVqaPrediction('The Dog')).toBe('dog');
    expect(normaliseVqaPrediction('none')).toBe('0');
    expect(normaliseVqaPrediction('dont')).toBe("don't");
    expect(normaliseVqaPrediction('  Tennis\n')).toBe('tennis');
    // a period before a digit stays (3.5), others go
    expect(normaliseVqaPrediction('3.5.')).toBe('3.5');
    // punctuation beside a space is removed, otherwise it becomes a space
    expect(processPunctuation('red/white')).toBe('red white');
    expect(processPunctuation('red / white')).toBe('red  white');
    // the comma-digit rule: a digit-comma-digit anywhere removes all punctuation outright
    expect(processPunctuation('1,000')).toBe('1000');
    expect(processPunctuation('t-shirt, 1,5')).toBe('tshirt 15');
    // quirks kept: ':' and "'" are not punctuation; only the first 32 periods are removed
    expect(normaliseVqaPrediction("3:00 it's")).toBe("3:00 it's");
    expect(normaliseVqaPrediction(`${'.'.repeat(33)}x`)).toBe('.x');
  });

  it('leaves unanimous annotator answers unprocessed, as the official script does', () => {
    // disagreeing answers get punctuation processing: "t-shirt" becomes "t shirt", like the prediction...
    expect(vqaAccuracy('t-shirt', tenOf({ 't-shirt': 3, shirt: 7 })).score).toBeCloseTo(0.9, 15);
    // ...but ten identical "t-shirt" are compared raw and never match the processed prediction.
    expect(vqaAccuracy('t-shirt', tenOf({ 't-shirt': 10 })).score).toBe(0);
    // annotator answers are not stripped: "yes!" turns into "yes " and no longer equals "yes"
    expect(vqaAccuracy('yes', tenOf({ 'yes!': 5, no: 5 })).score).toBe(0);
  });

  it('equals the official evaluation on every line of the golden cases (score and normalised answer)', () => {
    // Golden file: expected values produced by running the official vqaEval.py logic in Python 3.11 (see README).
    const lines = readFileSync(new URL('./fixtures/vqa-official-cases.jsonl', import.meta.url), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(250);
    for (const line of lines) {
      const c = JSON.parse(line) as { id: string; prediction: string; answers: string[]; expected: number; expectedNormalised: string };
      const got = vqaAccuracyMetric.scoreSample(c.prediction, { id: c.id, answers: c.answers });
      expect({ id: c.id, score: got.score, normalised: got.parsed?.normalised }).toEqual({
        id: c.id,
        score: c.expected,
        normalised: c.expectedNormalised,
      });
    }
  });
});
