import { vqaAccuracy } from '../parsers/vqa-normalisation.ts';
import { type Metric, checkVariant, mean, requireField } from '../types.ts';

/**
 * VQAv2 / TextVQA accuracy exactly as the official VQA evaluation computes it: official answer normalisation, then
 * the mean over the leave-one-out subsets of the annotator answers of min(1, matches / 3).
 */
export const vqaAccuracyMetric: Metric = {
  id: 'vqa-accuracy',
  higherIsBetter: true,
  variants: ['official'],
  describe: { official: 'official VQA evaluation (GT-Vision-Lab vqaEval.py, as run by EvalAI)' },
  scoreSample(prediction, sample, variant) {
    checkVariant(this, variant);
    const answers = requireField(sample, 'answers', this.id);
    const { score, normalised } = vqaAccuracy(prediction, answers);
    return { score, parsed: { normalised } };
  },
  aggregate(scored) {
    return { score: mean(scored.map((s) => s.score)), samples: scored.length };
  },
};
