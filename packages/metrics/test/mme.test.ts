import { describe, expect, it } from 'vitest';
import { mmeMetric } from '../src/metrics/mme.ts';
import { parseMmeAnswer } from '../src/parsers/yes-no.ts';
import { scoreAll } from '../src/registry.ts';

describe('MME', () => {
  it('parses yes/no as lmms-eval does', () => {
    expect(parseMmeAnswer('Yes.')).toBe('yes');
    expect(parseMmeAnswer('n')).toBe('no');
    expect(parseMmeAnswer('x')).toBe('other');
    expect(parseMmeAnswer('Yes, it is.')).toBe('yes');
    expect(parseMmeAnswer('No, it is not.')).toBe('no');
    expect(parseMmeAnswer('I think yes')).toBe('other'); // yes/no only count in the first 4 characters
    expect(parseMmeAnswer('Not sure')).toBe('no');
  });

  it('scores acc and acc+ per subtask and sums perception and cognition (hand-computed)', () => {
    const q = (id: string, category: string, image: string, answer: string, prediction: string) => ({
      prediction,
      sample: { id, category, questionId: image, answer },
    });
    const items = [
      // existence: image 1 both right, image 2 one right -> acc 3/4, acc+ 1/2 -> 75 + 50 = 125
      q('e1y', 'existence', 'img1.jpg', 'Yes', 'Yes'),
      q('e1n', 'existence', 'img1.jpg', 'No', 'No'),
      q('e2y', 'existence', 'img2.jpg', 'Yes', 'Yes'),
      q('e2n', 'existence', 'img2.jpg', 'No', 'Yes'),
      // code_reasoning: image 3 both right -> 100 + 100 = 200
      q('c3y', 'code_reasoning', 'img3.png', 'Yes', 'yes'),
      q('c3n', 'code_reasoning', 'img3.png', 'No', 'no'),
    ];
    const agg = scoreAll(mmeMetric, items).aggregate;
    expect(agg['acc/existence']).toBe(0.75);
    expect(agg['acc+/existence']).toBe(0.5);
    expect(agg.existence).toBe(125);
    expect(agg.code_reasoning).toBe(200);
    expect(agg.perception).toBe(125);
    expect(agg.cognition).toBe(200);
    expect(agg.total).toBe(325);
    expect(agg.score).toBe(325 / 400);
  });

  it('needs the pairing and subtask fields', () => {
    expect(() => mmeMetric.scoreSample('Yes', { id: 'a', answer: 'Yes', category: 'OCR' })).toThrow(
      'sample "a": field "questionId" is required for metric mme',
    );
  });
});
