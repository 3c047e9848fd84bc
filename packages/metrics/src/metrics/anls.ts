import { levenshtein } from '../parsers/levenshtein.ts';
import { type Metric, checkVariant, mean, requireField } from '../types.ts';

const THRESHOLD = 0.5;

function normalise(text: string): string {
  return text.trim().toLowerCase().split(/\s+/).filter((w) => w !== '').join(' ');
}

/** 1 - normalised Levenshtein distance, kept when at least the threshold, else 0 (DocVQA / ST-VQA ANLS). */
export function anlsSimilarity(prediction: string, answer: string): number {
  const p = normalise(prediction);
  const a = normalise(answer);
  const length = Math.max(Array.from(p).length, Array.from(a).length);
  if (length === 0) return 1;
  const similarity = 1 - levenshtein(p, a) / length;
  return similarity >= THRESHOLD ? similarity : 0;
}

/** ANLS (DocVQA, threshold 0.5): the best similarity over the accepted answers. */
export const anlsMetric: Metric = {
  id: 'anls',
  higherIsBetter: true,
  variants: ['threshold-0.5'],
  describe: { 'threshold-0.5': 'max over answers of 1 - NLD, 0 when that is below 0.5; case/space-insensitive' },
  scoreSample(prediction, sample, variant) {
    checkVariant(this, variant);
    const answers = requireField(sample, 'answers', this.id);
    return { score: Math.max(0, ...answers.map((a) => anlsSimilarity(prediction, a))) };
  },
  aggregate(scored) {
    return { score: mean(scored.map((s) => s.score)), samples: scored.length };
  },
};
