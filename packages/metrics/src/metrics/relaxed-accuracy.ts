import { pythonFloat } from '../parsers/python-float.ts';
import { type Metric, checkVariant, mean, requireField } from '../types.ts';

const MAX_RELATIVE_CHANGE = 0.05;

/** A number as ChartQA reads it: Python float syntax, and "12%" as 0.12. */
function chartNumber(text: string): number | null {
  const t = text.trim();
  return t.endsWith('%') ? divide(pythonFloat(t.replace(/%+$/, '')), 100) : pythonFloat(t);
}

function divide(value: number | null, by: number): number | null {
  return value === null ? null : value / by;
}

/**
 * ChartQA relaxed correctness: numbers within 5% of a non-zero target count; otherwise (a zero or non-numeric
 * target, or a non-numeric answer) a case-insensitive exact string match.
 */
export function relaxedCorrect(prediction: string, target: string): boolean {
  const p = chartNumber(prediction);
  const t = chartNumber(target);
  if (p !== null && t !== null && t !== 0) {
    return Math.abs(p - t) / Math.abs(t) <= MAX_RELATIVE_CHANGE;
  }
  return prediction.trim().toLowerCase() === target.trim().toLowerCase();
}

export const relaxedAccuracyMetric: Metric = {
  id: 'relaxed-accuracy',
  higherIsBetter: true,
  variants: ['chartqa'],
  describe: { chartqa: '5% relative tolerance for numbers (x% read as x/100), exact match otherwise; best over answers' },
  scoreSample(prediction, sample, variant) {
    checkVariant(this, variant);
    const answers = requireField(sample, 'answers', this.id);
    return { score: answers.some((a) => relaxedCorrect(prediction, a)) ? 1 : 0 };
  },
  aggregate(scored) {
    return { score: mean(scored.map((s) => s.score)), samples: scored.length };
  },
};
