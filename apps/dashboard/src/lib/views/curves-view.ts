import type { PrunebenchDb } from '@prunebench/db';
import type { Table } from '../export/table.ts';
import { oneOf, pick, pickInt, queryOf, type SearchParams } from '../params.ts';
import type { Catalog } from '../queries/catalog.ts';
import { loadScoreHistograms, loadSettingAggregates } from '../queries/settings.ts';
import { buildCurves, CURVE_AXES, curvesTable, type CurveAxis, type CurveLine } from './curves.ts';

export interface CurveFilters {
  model: string;
  benchmark: string;
  policy: string | undefined;
  sweepId: number | undefined;
  axis: CurveAxis;
  method: string | undefined;
}

export function resolveCurveFilters(catalog: Catalog, params: SearchParams): CurveFilters | null {
  const firstModel = catalog.models[0];
  if (firstModel === undefined) return null;
  const model = oneOf(pick(params, 'model'), catalog.models, firstModel);
  const benchmarks = catalog.benchmarksByModel.get(model) ?? [];
  const firstBenchmark = benchmarks[0];
  if (firstBenchmark === undefined) return null;
  const policy = pick(params, 'policy');
  const sweepId = pickInt(params, 'sweep');
  const method = pick(params, 'method');
  return {
    model,
    benchmark: oneOf(pick(params, 'benchmark'), benchmarks, firstBenchmark),
    policy: policy !== undefined && catalog.policies.includes(policy) ? policy : undefined,
    sweepId: sweepId !== undefined && catalog.sweeps.some((s) => s.id === sweepId) ? sweepId : undefined,
    axis: oneOf(pick(params, 'x'), CURVE_AXES, 'keep'),
    method: method !== undefined && catalog.methods.includes(method) ? method : undefined,
  };
}

export function curveQuery(filters: CurveFilters): Record<string, string> {
  return queryOf({
    model: filters.model,
    benchmark: filters.benchmark,
    policy: filters.policy,
    sweep: filters.sweepId,
    x: filters.axis === 'keep' ? undefined : filters.axis,
    method: filters.method,
  });
}

export function loadCurves(db: PrunebenchDb, filters: CurveFilters): CurveLine[] {
  const aggregates = loadSettingAggregates(db, filters);
  const bins = loadScoreHistograms(db, filters);
  return buildCurves(aggregates, bins);
}

export function curveTables(lines: readonly CurveLine[], filters: CurveFilters): Table[] {
  return [curvesTable(lines, filters.model, filters.benchmark)];
}
