import type { PrunebenchDb } from '@prunebench/db';
import { readBenchmarkSample, readModelGrid, targetOf, type BenchmarkSample } from '../benchmark-files.ts';
import type { Table } from '../export/table.ts';
import { maskGrid, type MaskGrid } from '../mask.ts';
import { oneOf, pick, pickInt, queryOf, type SearchParams } from '../params.ts';
import type { Catalog } from '../queries/catalog.ts';
import { loadBenchmarkFolder, loadModelFolder, loadDisagreements, loadSampleIndex, loadSampleResults, type Disagreement, type SampleResult } from '../queries/samples.ts';

export interface SampleFilters {
  model: string;
  benchmark: string;
  keep: number;
  policy: string | undefined;
  sweepId: number | undefined;
}

export function resolveSampleFilters(catalog: Catalog, params: SearchParams): SampleFilters | null {
  const firstModel = catalog.models[0];
  if (firstModel === undefined) return null;
  const model = oneOf(pick(params, 'model'), catalog.models, firstModel);
  const benchmarks = catalog.benchmarksByModel.get(model) ?? [];
  const keeps = catalog.keepsByModel.get(model) ?? [];
  const firstBenchmark = benchmarks[0];
  // Default to the tightest budget: that is where methods differ most.
  const tightest = keeps[keeps.length - 1];
  if (firstBenchmark === undefined || tightest === undefined) return null;
  const keep = pickInt(params, 'keep');
  const policy = pick(params, 'policy');
  const sweepId = pickInt(params, 'sweep');
  return {
    model,
    benchmark: oneOf(pick(params, 'benchmark'), benchmarks, firstBenchmark),
    keep: keep !== undefined && keeps.includes(keep) ? keep : tightest,
    policy: policy !== undefined && catalog.policies.includes(policy) ? policy : undefined,
    sweepId: sweepId !== undefined && catalog.sweeps.some((s) => s.id === sweepId) ? sweepId : undefined,
  };
}

export function sampleQuery(filters: SampleFilters): Record<string, string> {
  return queryOf({ model: filters.model, benchmark: filters.benchmark, keep: filters.keep, policy: filters.policy, sweep: filters.sweepId });
}

export function loadDisagreementList(db: PrunebenchDb, filters: SampleFilters): Disagreement[] {
  return loadDisagreements(db, filters);
}

export function disagreementTable(rows: readonly Disagreement[], filters: SampleFilters): Table {
  return {
    name: `disagreements-${filters.model}-${filters.benchmark}-${filters.keep}`,
    columns: ['model', 'benchmark', 'keep', 'sample_id', 'sample_index', 'methods', 'min_score', 'max_score', 'mean_score', 'right', 'wrong'],
    rows: rows.map((d) => [filters.model, filters.benchmark, filters.keep, d.sampleId, d.sampleIndex, d.methods, d.min, d.max, d.mean, d.right, d.wrong]),
  };
}

export interface MethodView {
  result: SampleResult;
  grid: MaskGrid | null;
}

export interface SampleDetail {
  filters: SampleFilters;
  sampleId: string;
  sampleIndex: number | null;
  sample: BenchmarkSample | null;
  target: string | null;
  sampleProblem: string | null;
  full: SampleResult[];
  methods: MethodView[];
}

export function loadSampleDetail(db: PrunebenchDb, catalog: Catalog, filters: SampleFilters, sampleId: string): SampleDetail {
  const rows = loadSampleResults(db, { ...filters, sampleId });
  const sampleIndex = loadSampleIndex(db, filters.model, filters.benchmark, sampleId);
  const folder = loadBenchmarkFolder(db, filters.benchmark);
  const lookup = sampleIndex === null ? null : readBenchmarkSample(folder ?? '', sampleIndex, sampleId);
  // The registry's meta may carry the grid; otherwise the model folder's manifest does.
  const modelGrid = catalog.modelMeta.get(filters.model)?.grid ?? readModelGrid(loadModelFolder(db, filters.model));
  return {
    filters,
    sampleId,
    sampleIndex,
    sample: lookup?.ok ? lookup.sample : null,
    target: lookup?.ok ? targetOf(lookup.sample) : null,
    sampleProblem: lookup === null ? 'no result refers to this sample' : lookup.ok ? null : lookup.reason,
    full: rows.filter((r) => r.keep === 0),
    methods: rows.filter((r) => r.keep !== 0).map((result) => ({ result, grid: maskGrid(result.keptIndices, result.tokensBefore, modelGrid) })),
  };
}

export function sampleDetailTable(detail: SampleDetail): Table {
  return {
    name: `sample-${detail.sampleId}`,
    columns: ['sample_id', 'method', 'policy', 'keep', 'kept_count', 'tokens_before', 'answer', 'score', 'metric', 'prefill_ms', 'kept_indices'],
    rows: [...detail.full, ...detail.methods.map((m) => m.result)].map((r) => [
      detail.sampleId, r.method, r.policy, r.keep, r.keptCount, r.tokensBefore, r.answer, r.score, r.metric, r.prefillMs, r.keptIndices.join(' '),
    ]),
  };
}
