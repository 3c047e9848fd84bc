import type { Table } from '../export/table.ts';
import { keepLabel } from '../format.ts';
import { FULL_TOKEN_COLOR, methodColor } from '../method-colors.ts';
import type { ScoreBin, SettingAggregate } from '../queries/settings.ts';
import { bootstrapMean, type MeanInterval } from '../stats/bootstrap.ts';

/**
 * Curves of one model x benchmark: per method (and policy), one point per budget with a bootstrap band over
 * samples, plus the full-token reference. The x axis is the keep ratio, the measured prefill latency or FLOPs.
 */
export type CurveAxis = 'keep' | 'latency' | 'flops';
export const CURVE_AXES: readonly CurveAxis[] = ['keep', 'latency', 'flops'];

export interface CurvePointData {
  keep: number;
  keepRatio: number;
  prefillMs: number;
  flops: number;
  interval: MeanInterval;
}

export interface CurveLine {
  key: string;
  method: string;
  policy: string;
  reference: boolean;
  color: string;
  points: CurvePointData[];
}

function histogramScores(bins: readonly ScoreBin[]): Float64Array {
  const total = bins.reduce((s, b) => s + b.count, 0);
  const scores = new Float64Array(total);
  let at = 0;
  for (const bin of bins) {
    scores.fill(bin.score, at, at + bin.count);
    at += bin.count;
  }
  return scores;
}

const settingKey = (method: string, keep: number, policy: string) => `${method}\u0000${keep}\u0000${policy}`;

export function buildCurves(aggregates: readonly SettingAggregate[], bins: readonly ScoreBin[], resamples = 200): CurveLine[] {
  const binsBySetting = new Map<string, ScoreBin[]>();
  for (const bin of bins) {
    const key = settingKey(bin.method, bin.keep, bin.policy);
    const list = binsBySetting.get(key);
    if (list) list.push(bin);
    else binsBySetting.set(key, [bin]);
  }
  const interval = (a: SettingAggregate): MeanInterval => {
    const scores = histogramScores(binsBySetting.get(settingKey(a.method, a.keep, a.policy)) ?? []);
    return scores.length > 0 ? bootstrapMean(scores, { resamples, seed: a.keep + 1 }) : { mean: a.mean, low: a.mean, high: a.mean, n: a.n };
  };
  const point = (a: SettingAggregate): CurvePointData => ({ keep: a.keep, keepRatio: a.keep === 0 ? 1 : a.keepRatio, prefillMs: a.prefillMs, flops: a.flops, interval: interval(a) });

  const lines = new Map<string, CurveLine>();
  const fullPoints = aggregates.filter((a) => a.keep === 0);
  if (fullPoints.length > 0) {
    // Pool the reference over however many full-token jobs exist (one per policy at most).
    const scores = histogramScores(bins.filter((b) => b.keep === 0));
    const n = fullPoints.reduce((s, a) => s + a.n, 0);
    const mean = fullPoints.reduce((s, a) => s + a.mean * a.n, 0) / n;
    const weighted = (f: (a: SettingAggregate) => number) => fullPoints.reduce((s, a) => s + f(a) * a.n, 0) / n;
    lines.set('full', {
      key: 'full',
      method: 'full-token',
      policy: '',
      reference: true,
      color: FULL_TOKEN_COLOR,
      points: [{ keep: 0, keepRatio: 1, prefillMs: weighted((a) => a.prefillMs), flops: weighted((a) => a.flops), interval: scores.length > 0 ? bootstrapMean(scores, { resamples }) : { mean, low: mean, high: mean, n } }],
    });
  }
  for (const a of aggregates) {
    if (a.keep === 0) continue;
    const key = `${a.method}\u0000${a.policy}`;
    let line = lines.get(key);
    if (!line) {
      line = { key, method: a.method, policy: a.policy, reference: false, color: methodColor(a.method), points: [] };
      lines.set(key, line);
    }
    line.points.push(point(a));
  }
  for (const line of lines.values()) line.points.sort((a, b) => a.keepRatio - b.keepRatio);
  return [...lines.values()];
}

export function axisValue(point: CurvePointData, axis: CurveAxis): number {
  return axis === 'keep' ? point.keepRatio : axis === 'latency' ? point.prefillMs : point.flops;
}

export function curvesTable(lines: readonly CurveLine[], model: string, benchmark: string): Table {
  const columns = ['model', 'benchmark', 'method', 'policy', 'keep', 'keep_ratio', 'score', 'ci_low', 'ci_high', 'n', 'prefill_ms', 'flops'];
  const rows = lines.flatMap((line) =>
    line.points.map((p) => [model, benchmark, line.method, line.policy, p.keep, p.keepRatio, p.interval.mean, p.interval.low, p.interval.high, p.interval.n, p.prefillMs, p.flops]),
  );
  return { name: `curves-${model}-${benchmark}`, columns, rows };
}

export function pointLabel(point: CurvePointData): string {
  return point.keep === 0 ? 'all tokens' : keepLabel(point.keep, point.keepRatio);
}
