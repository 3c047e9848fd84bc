import { type Metric, checkVariant, mean, requireField } from '../types.ts';

/** Lower-case, punctuation and symbols removed, whitespace collapsed: GQA's case/punctuation-insensitive match. */
export function normaliseExactMatch(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w !== '')
    .join(' ');
}

/** GQA exact match: the whole output equals the answer after normalisation. */
export const exactMatchMetric: Metric = {
  id: 'exact-match',
  higherIsBetter: true,
  variants: ['normalised'],
  describe: { normalised: 'case-, punctuation- and whitespace-insensitive whole-answer match' },
  scoreSample(prediction, sample, variant) {
    checkVariant(this, variant);
    const answer = requireField(sample, 'answer', this.id);
    const normalised = normaliseExactMatch(prediction);
    return { score: normalised === normaliseExactMatch(answer) ? 1 : 0, parsed: { normalised } };
  },
  aggregate(scored) {
    return { score: mean(scored.map((s) => s.score)), samples: scored.length };
  },
};
