import { familyFromTokens, isStandardBudget } from '../budgets.ts';
import type { Table } from '../export/table.ts';
import type { SettingAggregate } from '../queries/settings.ts';
import { relativePerformance, retentionArea } from '../stats/retention.ts';
import { keepLabel } from '../format.ts';

/**
 * The leaderboard of one model, built from per-setting SQL aggregates: relative performance (pruned / full-token,
 * averaged over benchmarks) per budget, its mean over the shown budgets, and the area under the retention curve.
 */
export type BudgetFilter = 'standard' | 'all' | number;
export type RankBy = 'mean' | 'auc' | number;

export interface BudgetColumn {
  keep: number;
  keepRatio: number;
  label: string;
  standard: boolean;
}

export interface LeaderCell {
  relative: number;
  benchmarks: number;
  /** Sample-weighted mean raw score over the benchmarks, for the tooltip. */
  score: number;
  n: number;
}

export interface LeaderRow {
  method: string;
  policy: string;
  cells: Map<number, LeaderCell>;
  meanRelative: number;
  auc: number;
}

export interface Leaderboard {
  family: string | null;
  benchmarks: string[];
  columns: BudgetColumn[];
  rows: LeaderRow[];
  /** Full-token score per benchmark (keep = 0), pooled over methods and policies. */
  reference: Map<string, { mean: number; n: number }>;
}

function weightedMean(items: readonly { mean: number; n: number }[]): { mean: number; n: number } {
  let sum = 0;
  let n = 0;
  for (const item of items) {
    sum += item.mean * item.n;
    n += item.n;
  }
  return { mean: n === 0 ? Number.NaN : sum / n, n };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function buildLeaderboard(
  aggregates: readonly SettingAggregate[],
  options: { family: string | null; budget: BudgetFilter; rank: RankBy },
): Leaderboard {
  const full = aggregates.filter((a) => a.keep === 0);
  const pruned = aggregates.filter((a) => a.keep > 0);
  const reference = new Map([...groupBy(full, (a) => a.benchmark)].map(([benchmark, items]) => [benchmark, weightedMean(items)]));
  const referenceMeans = new Map([...reference].map(([benchmark, r]) => [benchmark, r.mean]));
  const tokensBefore = aggregates[0]?.tokensBefore ?? null;
  const family = options.family ?? familyFromTokens(tokensBefore === null ? null : Math.round(tokensBefore));

  const allColumns = [...groupBy(pruned, (a) => a.keep)]
    .map(([keep, items]) => {
      const keepRatio = items.reduce((s, a) => s + a.keepRatio, 0) / items.length;
      return { keep, keepRatio, label: keepLabel(keep, keepRatio), standard: isStandardBudget(keep, keepRatio, family) };
    })
    .sort((a, b) => b.keep - a.keep);
  const columns = allColumns.filter((c) =>
    options.budget === 'all' ? true : options.budget === 'standard' ? c.standard : c.keep === options.budget,
  );
  // With no standard budget in the data, "standard" falls back to every budget rather than an empty table.
  const shown = columns.length === 0 && options.budget === 'standard' ? allColumns : columns;
  const shownKeeps = new Set(shown.map((c) => c.keep));

  const rows: LeaderRow[] = [];
  for (const [, items] of groupBy(pruned, (a) => `${a.method}\u0000${a.policy}`)) {
    const first = items[0];
    if (!first) continue;
    const cells = new Map<number, LeaderCell>();
    const curve: { keepRatio: number; relative: number }[] = [];
    for (const [keep, atKeep] of groupBy(items, (a) => a.keep)) {
      const rel = relativePerformance(atKeep.map((a) => ({ benchmark: a.benchmark, score: a.mean })), referenceMeans);
      const pooled = weightedMean(atKeep);
      const cell = { relative: rel.relative, benchmarks: rel.benchmarks, score: pooled.mean, n: pooled.n };
      cells.set(keep, cell);
      curve.push({ keepRatio: atKeep.reduce((s, a) => s + a.keepRatio, 0) / atKeep.length, relative: rel.relative });
    }
    const shownRelatives = [...cells].filter(([keep, c]) => shownKeeps.has(keep) && Number.isFinite(c.relative)).map(([, c]) => c.relative);
    const meanRelative = shownRelatives.length === 0 ? Number.NaN : shownRelatives.reduce((s, v) => s + v, 0) / shownRelatives.length;
    rows.push({ method: first.method, policy: first.policy, cells, meanRelative, auc: retentionArea(curve) });
  }

  const rankValue = (row: LeaderRow): number => {
    const value = options.rank === 'mean' ? row.meanRelative : options.rank === 'auc' ? row.auc : (row.cells.get(options.rank)?.relative ?? Number.NaN);
    return Number.isFinite(value) ? value : Number.NEGATIVE_INFINITY;
  };
  rows.sort((a, b) => rankValue(b) - rankValue(a) || a.method.localeCompare(b.method));

  return { family, benchmarks: [...new Set(aggregates.map((a) => a.benchmark))].sort(), columns: shown, rows, reference };
}

export function leaderboardTable(board: Leaderboard, model: string): Table {
  const columns = ['rank', 'model', 'method', 'policy', ...board.columns.map((c) => `relative@${c.keep}`), 'mean_relative', 'auc'];
  const rows = board.rows.map((row, i) => [
    i + 1,
    model,
    row.method,
    row.policy,
    ...board.columns.map((c) => row.cells.get(c.keep)?.relative ?? null),
    row.meanRelative,
    row.auc,
  ]);
  return { name: `leaderboard-${model}`, columns, rows };
}

/** Raw mean scores per benchmark for every shown budget, full-token reference first. */
export function scoresTable(board: Leaderboard, aggregates: readonly SettingAggregate[], model: string): Table {
  const shown = new Set(board.columns.map((c) => c.keep));
  const columns = ['model', 'method', 'policy', 'keep', ...board.benchmarks];
  const rows: (string | number | null)[][] = [];
  rows.push([model, 'full-token', '', 0, ...board.benchmarks.map((b) => board.reference.get(b)?.mean ?? null)]);
  const settings = groupBy(
    aggregates.filter((a) => a.keep > 0 && shown.has(a.keep)),
    (a) => `${a.keep}\u0000${a.method}\u0000${a.policy}`,
  );
  const ordered = [...settings.values()].sort((a, b) => (b[0]?.keep ?? 0) - (a[0]?.keep ?? 0) || (a[0]?.method ?? '').localeCompare(b[0]?.method ?? ''));
  for (const items of ordered) {
    const first = items[0];
    if (!first) continue;
    const byBenchmark = new Map(items.map((a) => [a.benchmark, a.mean]));
    rows.push([model, first.method, first.policy, first.keep, ...board.benchmarks.map((b) => byBenchmark.get(b) ?? null)]);
  }
  return { name: `scores-${model}`, columns, rows };
}
