/**
 * The metric contract (docs/benchmark-format.md): a metric scores one raw model output against one sample's ground
 * truth, and aggregates scored samples into named numbers with a headline `score`.
 */

/** Coordinate scale of a box: 1 = normalised [0,1], 1000 = InternVL's 0-1000 grid, "pixels" = image pixels. */
export type BoxScale = number | 'pixels';

/**
 * The ground-truth fields a metric may read. A `BenchmarkSample` from @prunebench/datasets fits this shape; so does a
 * line of `prunebench score` input after its fields are mapped.
 */
export interface MetricSample {
  id: string;
  answers?: string[];
  answer?: string;
  choices?: string[];
  box?: [number, number, number, number];
  boxScale?: BoxScale;
  category?: string;
  questionId?: string;
  meta?: Record<string, unknown>;
}

export type ParsedValue = string | number | boolean | null | number[];

export interface SampleScore {
  /** In 0..1. */
  score: number;
  /** What the parser made of the output (normalised answer, yes/no label, option letter, box, IoU, ...). */
  parsed?: Record<string, ParsedValue>;
}

export interface ScoredSample extends SampleScore {
  sample: MetricSample;
  prediction: string;
}

export interface Metric {
  id: string;
  higherIsBetter: boolean;
  /** Parser/scoring variants this metric accepts; the first is the default. */
  variants: readonly string[];
  /** One line per variant, for `--help` and the README. */
  describe: Readonly<Record<string, string>>;
  scoreSample(prediction: string, sample: MetricSample, variant?: string): SampleScore;
  /** Named aggregate numbers; `score` is the headline in 0..1. */
  aggregate(scored: readonly ScoredSample[]): Record<string, number>;
}

/** Bad input to a metric (a missing ground-truth field, an unknown variant): the message names sample and field. */
export class MetricInputError extends Error {
  override name = 'MetricInputError';
}

export function requireField<K extends keyof MetricSample>(
  sample: MetricSample,
  field: K,
  metricId: string,
): NonNullable<MetricSample[K]> {
  const value = sample[field];
  if (value === undefined || value === null) {
    throw new MetricInputError(`sample "${sample.id}": field "${String(field)}" is required for metric ${metricId}`);
  }
  return value as NonNullable<MetricSample[K]>;
}

export function checkVariant(metric: Pick<Metric, 'id' | 'variants'>, variant: string | undefined): string {
  const chosen = variant ?? metric.variants[0];
  if (chosen === undefined || !metric.variants.includes(chosen)) {
    throw new MetricInputError(
      `metric ${metric.id}: unknown variant "${variant}" (choose one of ${metric.variants.join(', ')})`,
    );
  }
  return chosen;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
