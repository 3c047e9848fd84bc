import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { readBenchmark, type BenchmarkSample } from '@prunebench/datasets';
import { getMetric, type ScoredSample } from '@prunebench/metrics';
import { WorkerInputError } from './errors.ts';
import { openModel } from './model/load.ts';
import type { Provider, Spinning } from './onnx/session.ts';
import { evaluateSample, type SampleResult } from './pipeline/evaluate.ts';
import type { EvalSetting } from './pipeline/infer.ts';

export interface LocalEvalOptions {
  model: string;
  bench: string;
  setting: EvalSetting;
  limit?: number;
  out?: string;
  provider?: Provider;
  threads?: number;
  /** How idle onnxruntime threads wait (see `Spinning`). */
  spinning?: Spinning;
  onStart?: (total: number) => void;
  onSample?: (done: number, result: SampleResult) => void;
}

export interface EvalSummary {
  model: string;
  modelHash: string;
  bench: string;
  method: string;
  keep: number | 'all';
  policy: string;
  samples: number;
  /** Aggregates per metric id (each metric's named numbers, headline `score`). */
  metrics: Record<string, Record<string, number>>;
  meanTokensBefore: number;
  meanKeptTokens: number;
  meanPrefillMs: number;
  meanTotalMs: number;
  meanFlops: number;
  /** Mean of pruned / full-token prefill FLOPs. */
  flopsRatio: number;
  variant: SampleResult['variant'] | undefined;
}

const mean = (values: readonly number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

/** The per-sample record written by `--out` (lmms-eval's --log_samples spirit, plus pruning facts). */
export function sampleRecord(sample: BenchmarkSample, index: number, result: SampleResult, setting: EvalSetting): Record<string, unknown> {
  const target = sample.answers ?? sample.answer ?? sample.box ?? null;
  return {
    doc_id: sample.id,
    index,
    input: result.prompt,
    question: sample.question,
    target,
    metric: result.metric,
    prediction: result.prediction,
    score: result.score,
    parsed: result.parsed ?? null,
    method: setting.method,
    keep: setting.keep,
    policy: result.variant.policy,
    tokensBefore: result.tokensBefore,
    keptCount: result.keptCount,
    keptIndices: result.keptIndices,
    prefillMs: result.prefillMs,
    totalMs: result.totalMs,
    timings: result.timings,
    flops: result.flops,
    fullFlops: result.fullFlops,
    variant: result.variant,
    methodInfo: result.methodInfo,
  };
}

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

/** `prunebench eval`: one setting over a benchmark (or its first `limit` samples), scored and summarised. */
export async function runLocalEval(opts: LocalEvalOptions): Promise<EvalSummary> {
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new WorkerInputError('--limit', `${opts.limit} is not a positive integer`);
  }
  const bench = await readBenchmark(opts.bench);
  const samples = opts.limit ? bench.samples.slice(0, opts.limit) : bench.samples;
  const model = await openModel(opts.model, { ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.spinning ? { spinning: opts.spinning } : {}) });
  const out = opts.out ? createWriteStream(opts.out) : undefined;
  const results: SampleResult[] = [];
  const scored = new Map<string, ScoredSample[]>();
  try {
    opts.onStart?.(samples.length);
    for (const [index, sample] of samples.entries()) {
      const result = await evaluateSample(model, bench, sample, opts.setting);
      results.push(result);
      const list = scored.get(sample.metric) ?? [];
      const entry: ScoredSample = { sample, prediction: result.prediction, score: result.score };
      if (result.parsed !== undefined) entry.parsed = result.parsed as NonNullable<ScoredSample['parsed']>;
      list.push(entry);
      scored.set(sample.metric, list);
      if (out) await writeLine(out, JSON.stringify(sampleRecord(sample, index, result, opts.setting)));
      opts.onSample?.(index + 1, result);
    }
  } finally {
    await model.close();
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
  const metrics: Record<string, Record<string, number>> = {};
  for (const [id, list] of scored) metrics[id] = getMetric(id).aggregate(list);
  return {
    model: model.name,
    modelHash: model.contentHash,
    bench: bench.header.name,
    method: opts.setting.method,
    keep: opts.setting.keep,
    policy: results[0]?.variant.policy ?? opts.setting.policy ?? 'default',
    samples: results.length,
    metrics,
    meanTokensBefore: mean(results.map((r) => r.tokensBefore)),
    meanKeptTokens: mean(results.map((r) => r.keptCount)),
    meanPrefillMs: mean(results.map((r) => r.prefillMs)),
    meanTotalMs: mean(results.map((r) => r.totalMs)),
    meanFlops: mean(results.map((r) => r.flops)),
    flopsRatio: mean(results.map((r) => r.flops / r.fullFlops)),
    variant: results[0]?.variant,
  };
}

/** The summary as a small text table. */
export function formatSummary(summary: EvalSummary): string {
  const rows: [string, string][] = [
    ['model', `${summary.model} (${summary.modelHash.slice(0, 19)})`],
    ['benchmark', summary.bench],
    ['method / keep / policy', `${summary.method} / ${summary.keep} / ${summary.policy}`],
    ['samples', String(summary.samples)],
  ];
  for (const [id, values] of Object.entries(summary.metrics)) {
    for (const [name, value] of Object.entries(values)) rows.push([`${id} ${name}`, value.toFixed(4)]);
  }
  rows.push(
    ['visual tokens (mean)', `${summary.meanKeptTokens.toFixed(1)} kept of ${summary.meanTokensBefore.toFixed(1)}`],
    ['prefill FLOPs vs full', `${(100 * summary.flopsRatio).toFixed(1)}%`],
    ['prefill ms (mean)', summary.meanPrefillMs.toFixed(2)],
    ['total ms (mean)', summary.meanTotalMs.toFixed(2)],
  );
  if (summary.variant) rows.push(['variant', `${summary.variant.preprocess}, ${summary.variant.provider}, ${summary.variant.dtype}, ${summary.variant.runtime}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
