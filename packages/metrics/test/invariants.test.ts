import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRICS, METRIC_IDS } from '../src/registry.ts';
import type { MetricSample } from '../src/types.ts';

/** One sample per metric carrying the ground truth it needs. */
const SAMPLES: Record<string, MetricSample> = {
  'vqa-accuracy': { id: 'v', answers: ['2', 'two', '2', '2', 'yes', '2', '3', '2', '2', '2'] },
  'exact-match': { id: 'e', answer: 'left' },
  'multiple-choice': { id: 'm', answer: 'B', choices: ['red', 'green', 'blue'] },
  pope: { id: 'p', answer: 'yes' },
  mme: { id: 'q', answer: 'No', category: 'OCR', questionId: 'img' },
  anls: { id: 'a', answers: ['kitten'] },
  'relaxed-accuracy': { id: 'r', answers: ['12.5'] },
  'grounding-iou': { id: 'g', box: [0.1, 0.1, 0.6, 0.6], boxScale: 1 },
};

describe('every metric, every variant, any output', () => {
  it('scores in [0, 1] and aggregates to a headline in [0, 1] without throwing', () => {
    for (const id of METRIC_IDS) {
      const metric = METRICS[id];
      for (const variant of metric.variants) {
        fc.assert(
          fc.property(fc.array(fc.string({ unit: 'grapheme-composite', maxLength: 40 }), { minLength: 1, maxLength: 6 }), (outputs) => {
            const scored = outputs.map((prediction) => ({ sample: SAMPLES[id]!, prediction, ...metric.scoreSample(prediction, SAMPLES[id]!, variant) }));
            for (const s of scored) expect(s.score >= 0 && s.score <= 1).toBe(true);
            const headline = metric.aggregate(scored).score!;
            expect(headline >= 0 && headline <= 1).toBe(true);
          }),
          { numRuns: 60, seed: 7 },
        );
      }
    }
  });
});
