import { describe, expect, it } from 'vitest';
import { multipleChoiceMetric } from '../src/metrics/multiple-choice.ts';
import { extractOptionLetter } from '../src/parsers/option-letter.ts';
import { scoreAll } from '../src/registry.ts';

const choices = ['a red apple', 'a green pear', 'a banana', 'an orange'];
const letter = (text: string): string | null => extractOptionLetter(text, choices)?.letter ?? null;

describe('multiple choice', () => {
  it('extracts the option letter by pattern', () => {
    expect(letter('B')).toBe('B');
    expect(letter('B.')).toBe('B');
    expect(letter('(C) a banana')).toBe('C');
    expect(letter('D: an orange')).toBe('D');
    expect(letter('The answer is C.')).toBe('C');
    expect(letter('Answer: (D)')).toBe('D');
    expect(letter('I would pick option B here')).toBe('B');
    expect(letter('It is a green pear')).toBe('B'); // option text
    expect(letter('A cat is sitting on a mat')).toBeNull(); // "A" as an article is no answer
    expect(letter('E')).toBeNull(); // not an option
    expect(letter('I do not know')).toBeNull();
  });

  it('scores circular groups: a question counts only when all its rotations are right', () => {
    const s = (id: string, questionId: string, answer: string, prediction: string) => ({
      prediction,
      sample: { id, questionId, answer, choices, category: 'fruit' },
    });
    const items = [
      s('1', '7', 'A', 'A'), s('1000001', '7', 'B', 'B'), s('2000001', '7', 'C', 'C'), s('3000001', '7', 'D', 'D'),
      s('2', '8', 'A', 'A'), s('1000002', '8', 'B', 'A'), s('2000002', '8', 'C', 'C'), s('3000002', '8', 'D', 'D'),
    ];
    const agg = scoreAll(multipleChoiceMetric, items).aggregate;
    expect(agg.score).toBe(0.5);
    expect(agg.accuracy).toBe(7 / 8);
    expect(agg.questions).toBe(2);
    expect(agg['category/fruit']).toBe(0.5);
  });
});
