import { parseMmeAnswer } from '../parsers/yes-no.ts';
import { type Metric, MetricInputError, checkVariant, requireField } from '../types.ts';

export const MME_PERCEPTION = [
  'existence', 'count', 'position', 'color', 'posters', 'celebrity', 'scene', 'landmark', 'artwork', 'OCR',
] as const;
export const MME_COGNITION = ['commonsense_reasoning', 'numerical_calculation', 'text_translation', 'code_reasoning'] as const;

const PERCEPTION = new Set<string>(MME_PERCEPTION);
const COGNITION = new Set<string>(MME_COGNITION);

/**
 * MME. Per subtask: mean over images of 100*acc + 100*acc+ (acc+ = every question of the image right), i.e. up to
 * 200; perception sums its 10 subtasks (max 2000), cognition its 4 (max 800). Questions of one image share
 * `questionId`, the subtask is `category`. The 0..1 headline `score` is the summed subtask scores over their
 * maximum (200 per subtask present); `perception` and `cognition` are the usual sums.
 */
export const mmeMetric: Metric = {
  id: 'mme',
  higherIsBetter: true,
  variants: ['lmms-eval'],
  describe: { 'lmms-eval': 'yes/no read as lmms-eval does (exact, y/n, or yes/no in the first 4 characters)' },
  scoreSample(prediction, sample, variant) {
    checkVariant(this, variant);
    const answer = requireField(sample, 'answer', this.id).trim().toLowerCase();
    if (answer !== 'yes' && answer !== 'no') {
      throw new MetricInputError(`sample "${sample.id}": field "answer" must be "Yes" or "No" for metric mme`);
    }
    requireField(sample, 'questionId', this.id);
    requireField(sample, 'category', this.id);
    const label = parseMmeAnswer(prediction);
    return { score: label === answer ? 1 : 0, parsed: { label } };
  },
  aggregate(scored) {
    const bySubtask = new Map<string, Map<string, number[]>>();
    for (const s of scored) {
      const subtask = requireField(s.sample, 'category', 'mme');
      const image = requireField(s.sample, 'questionId', 'mme');
      const images = bySubtask.get(subtask) ?? new Map<string, number[]>();
      images.set(image, [...(images.get(image) ?? []), s.score]);
      bySubtask.set(subtask, images);
    }
    const out: Record<string, number> = {};
    let perception = 0, cognition = 0, total = 0;
    for (const [subtask, images] of [...bySubtask].sort(([a], [b]) => a.localeCompare(b))) {
      // Summed per image as (acc*100 + acc+*100), in lmms-eval's order, so the floats match its own.
      let acc = 0, accPlus = 0, sum = 0;
      for (const scores of images.values()) {
        const imageAcc = (scores.reduce((a, b) => a + b, 0) / scores.length) * 100;
        const imageAccPlus = scores.every((x) => x === 1) ? 100 : 0;
        acc += imageAcc / 100;
        accPlus += imageAccPlus / 100;
        sum += imageAccPlus + imageAcc;
      }
      const subtaskScore = sum / images.size;
      out[`acc/${subtask}`] = acc / images.size;
      out[`acc+/${subtask}`] = accPlus / images.size;
      out[subtask] = subtaskScore;
      total += subtaskScore;
      if (PERCEPTION.has(subtask)) perception += subtaskScore;
      if (COGNITION.has(subtask)) cognition += subtaskScore;
    }
    return {
      score: bySubtask.size > 0 ? total / (200 * bySubtask.size) : 0,
      perception,
      cognition,
      total: perception + cognition,
      subtasks: bySubtask.size,
      ...out,
      samples: scored.length,
    };
  },
};
