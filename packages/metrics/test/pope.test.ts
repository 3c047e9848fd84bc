import { describe, expect, it } from 'vitest';
import { popeMetric } from '../src/metrics/pope.ts';
import { parsePopeLenient, parsePopeStrict } from '../src/parsers/yes-no.ts';
import { scoreAll } from '../src/registry.ts';

describe('POPE', () => {
  it('strict (lmms-eval) accepts only an exact yes/no after lower/strip', () => {
    expect(parsePopeStrict(' Yes\n')).toBe('yes');
    expect(parsePopeStrict('NO')).toBe('no');
    expect(parsePopeStrict('Yes.')).toBeNull();
    expect(parsePopeStrict('Yes, there is a dog.')).toBeNull();
  });

  it("lenient (LLaVA eval_pope.py) reads the first sentence and looks for 'no'/'not'", () => {
    expect(parsePopeLenient('Yes.')).toBe('yes');
    expect(parsePopeLenient('No, there is no dog.')).toBe('no');
    expect(parsePopeLenient('There is not a dog in the image')).toBe('no');
    expect(parsePopeLenient('Yes, there is a dog. There is no cat.')).toBe('yes'); // only the first sentence
    expect(parsePopeLenient('Nope')).toBe('yes'); // "no" must be a whole word
    expect(parsePopeLenient('No\nthere is none')).toBe('yes'); // split on single spaces only, as the script does
  });

  const truth = ['yes', 'yes', 'yes', 'no', 'no', 'no'];
  const outputs = ['Yes', 'Yes, a dog.', 'No', 'no', 'There is no cat.', 'yes'];
  const items = outputs.map((prediction, i) => ({ prediction, sample: { id: `q${i}`, answer: truth[i]! } }));

  it('aggregates accuracy, precision, recall, F1 and yes-ratio per parser (hand-counted)', () => {
    // strict: labels yes, -, no, no, -, yes -> TP 1, FN 1, TN 1, FP 1, unparsed 2
    const strict = scoreAll(popeMetric, items, 'strict').aggregate;
    expect(strict).toMatchObject({ accuracy: 2 / 6, precision: 1 / 2, recall: 1 / 2, f1: 0.5, yesRatio: 2 / 6 });
    expect(strict.unparsed).toBeCloseTo(2 / 6, 15);
    expect(strict.labelYesRatio).toBe(0.5);
    // lenient: labels yes, yes, no, no, no, yes -> TP 2, FN 1, TN 2, FP 1
    const lenient = scoreAll(popeMetric, items, 'lenient').aggregate;
    expect(lenient).toMatchObject({ accuracy: 4 / 6, precision: 2 / 3, recall: 2 / 3, yesRatio: 3 / 6, unparsed: 0 });
    expect(lenient.f1).toBeCloseTo(2 / 3, 15);
    expect(lenient.score).toBe(lenient.accuracy);
  });
});
