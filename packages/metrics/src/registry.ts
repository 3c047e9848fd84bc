import { anlsMetric } from './metrics/anls.ts';
import { exactMatchMetric } from './metrics/exact-match.ts';
import { groundingIouMetric } from './metrics/grounding-iou.ts';
import { mmeMetric } from './metrics/mme.ts';
import { multipleChoiceMetric } from './metrics/multiple-choice.ts';
import { popeMetric } from './metrics/pope.ts';
import { relaxedAccuracyMetric } from './metrics/relaxed-accuracy.ts';
import { vqaAccuracyMetric } from './metrics/vqa-accuracy.ts';
import { type Metric, type MetricSample, type ScoredSample, MetricInputError } from './types.ts';

/** Every metric, by id. Adding a metric: its file in metrics/ and one line here (a test checks both). */
export const METRICS = {
  'vqa-accuracy': vqaAccuracyMetric,
  'exact-match': exactMatchMetric,
  'multiple-choice': multipleChoiceMetric,
  pope: popeMetric,
  mme: mmeMetric,
  anls: anlsMetric,
  'relaxed-accuracy': relaxedAccuracyMetric,
  'grounding-iou': groundingIouMetric,
} as const satisfies Record<string, Metric>;

export type MetricId = keyof typeof METRICS;
export const METRIC_IDS = Object.keys(METRICS) as MetricId[];

export function isMetricId(id: string): id is MetricId {
  return Object.hasOwn(METRICS, id);
}

export function getMetric(id: string): Metric {
  if (!isMetricId(id)) throw new MetricInputError(`unknown metric "${id}" (choose one of ${METRIC_IDS.join(', ')})`);
  return METRICS[id];
}

/** Scores every (prediction, sample) pair with one metric and variant, then aggregates. */
export function scoreAll(
  metric: Metric,
  items: ReadonlyArray<{ prediction: string; sample: MetricSample }>,
  variant?: string,
): { scored: ScoredSample[]; aggregate: Record<string, number> } {
  const scored = items.map(({ prediction, sample }) => ({
    sample,
    prediction,
    ...metric.scoreSample(prediction, sample, variant),
  }));
  return { scored, aggregate: metric.aggregate(scored) };
}
