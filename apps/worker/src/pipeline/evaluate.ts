import type { BenchmarkHeader, BenchmarkSample } from '@prunebench/datasets';
import { sampleImagePath } from '@prunebench/datasets';
import type { LoadedModel } from '../model/load.ts';
import { inferSample, type EvalSetting, type InferenceResult, type InferOptions, type InferenceTimings, type PositionPolicy } from './infer.ts';
import { scorePrediction } from './score.ts';

export interface SampleResult {
  sampleId: string;
  prediction: string;
  score: number;
  metric: string;
  parsed?: unknown;
  tokensBefore: number;
  keptCount: number;
  keptIndices: number[];
  prefillMs: number;
  totalMs: number;
  /** LLM prefill FLOPs estimate (see flops.ts). */
  flops: number;
  variant: { preprocess: string; provider: string; dtype: string; runtime: string; policy: PositionPolicy; relevance?: string };
  /** The prompt as filled in (image marker in place). */
  prompt: string;
  /** FLOPs of the same prompt with every visual token. */
  fullFlops: number;
  timings: InferenceTimings;
  /** Facts the method reported about its run (variant names, counts). */
  methodInfo: Record<string, string | number | boolean>;
  /** Prompt layout (text before / after the visual block) and the position ids the decoder spans got. */
  sequence: InferenceResult['sequence'];
  positions: InferenceResult['positions'];
}

export interface BenchRef {
  dir: string;
  header: Pick<BenchmarkHeader, 'maxNewTokens'> & Partial<BenchmarkHeader>;
}

/**
 * One sample, one setting: preprocess, vision, prune at the method's stage, prefill, greedy decode, score.
 * Decoding budget: the sample's maxNewTokens, else the benchmark's, else the model's.
 */
export async function evaluateSample(
  model: LoadedModel,
  bench: BenchRef,
  sample: BenchmarkSample,
  setting: EvalSetting,
  opts: Pick<InferOptions, 'linalg'> = {},
): Promise<SampleResult> {
  const maxNewTokens = sample.maxNewTokens ?? bench.header.maxNewTokens ?? model.manifest.prompt.maxNewTokens;
  const run = await inferSample(model, sampleImagePath(bench.dir, sample), sample.question, setting, { ...opts, maxNewTokens });
  const scored = scorePrediction(sample.metric, run.prediction, sample);
  const variant: SampleResult['variant'] = {
    preprocess: run.preprocess,
    provider: model.runtime.provider,
    dtype: model.manifest.dtype,
    runtime: model.runtime.runtimeVersion,
    policy: run.policy,
  };
  if (typeof run.info.relevance === 'string') variant.relevance = run.info.relevance;
  const result: SampleResult = {
    sampleId: sample.id,
    prediction: run.prediction,
    score: scored.score,
    metric: sample.metric,
    tokensBefore: run.tokensBefore,
    keptCount: run.keptCount,
    keptIndices: run.keptIndices,
    prefillMs: run.timings.prefillMs,
    totalMs: run.timings.totalMs,
    flops: run.flops,
    variant,
    prompt: run.promptText,
    fullFlops: run.fullFlops,
    timings: run.timings,
    methodInfo: run.info,
    sequence: run.sequence,
    positions: run.positions,
  };
  if (scored.parsed !== undefined) result.parsed = scored.parsed;
  return result;
}
