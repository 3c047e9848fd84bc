import { getMetric, type MetricSample, type SampleScore } from '@prunebench/metrics';

/** Scores one raw output with the sample's metric, through the same metric code `prunebench score` uses. */
export function scorePrediction(metric: string, prediction: string, sample: MetricSample): SampleScore {
  return getMetric(metric).scoreSample(prediction, sample);
}
