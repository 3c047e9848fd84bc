import type { PrunebenchDb } from '@prunebench/db';
import type { Table } from '../export/table.ts';
import { oneOf, pick, pickInt, queryOf, type SearchParams } from '../params.ts';
import type { Catalog } from '../queries/catalog.ts';
import { loadSettingAggregates, type SettingAggregate } from '../queries/settings.ts';
import { buildLeaderboard, leaderboardTable, scoresTable, type BudgetFilter, type Leaderboard, type RankBy } from './leaderboard.ts';

export interface LeaderboardFilters {
  model: string;
  benchmark: string | undefined;
  policy: string | undefined;
  sweepId: number | undefined;
  budget: BudgetFilter;
  rank: RankBy;
}

function parseBudget(value: string | undefined, keeps: readonly number[]): BudgetFilter {
  if (value === 'all') return 'all';
  const keep = value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return keeps.includes(keep) ? keep : 'standard';
}

function parseRank(value: string | undefined, keeps: readonly number[]): RankBy {
  if (value === 'auc') return 'auc';
  const keep = value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return keeps.includes(keep) ? keep : 'mean';
}

export function resolveLeaderboardFilters(catalog: Catalog, params: SearchParams): LeaderboardFilters | null {
  const firstModel = catalog.models[0];
  if (firstModel === undefined) return null;
  const model = oneOf(pick(params, 'model'), catalog.models, firstModel);
  const keeps = catalog.keepsByModel.get(model) ?? [];
  const benchmarks = catalog.benchmarksByModel.get(model) ?? [];
  const benchmark = pick(params, 'benchmark');
  const policy = pick(params, 'policy');
  const sweepId = pickInt(params, 'sweep');
  const budget = parseBudget(pick(params, 'budget'), keeps);
  return {
    model,
    benchmark: benchmark !== undefined && benchmarks.includes(benchmark) ? benchmark : undefined,
    policy: policy !== undefined && catalog.policies.includes(policy) ? policy : undefined,
    sweepId: sweepId !== undefined && catalog.sweeps.some((s) => s.id === sweepId) ? sweepId : undefined,
    budget,
    // Ranking by a single budget only makes sense when that budget is the one shown.
    rank: typeof budget === 'number' ? budget : parseRank(pick(params, 'rank'), keeps),
  };
}

export function leaderboardQuery(filters: LeaderboardFilters): Record<string, string> {
  return queryOf({
    model: filters.model,
    benchmark: filters.benchmark,
    policy: filters.policy,
    sweep: filters.sweepId,
    budget: filters.budget === 'standard' ? undefined : filters.budget,
    rank: filters.rank === 'mean' || typeof filters.budget === 'number' ? undefined : filters.rank,
  });
}

export interface LeaderboardData {
  aggregates: SettingAggregate[];
  board: Leaderboard;
}

export function loadLeaderboard(db: PrunebenchDb, catalog: Catalog, filters: LeaderboardFilters): LeaderboardData {
  const aggregates = loadSettingAggregates(db, filters);
  const family = catalog.modelMeta.get(filters.model)?.family ?? null;
  return { aggregates, board: buildLeaderboard(aggregates, { family, budget: filters.budget, rank: filters.rank }) };
}

export function leaderboardTables(data: LeaderboardData, filters: LeaderboardFilters): Table[] {
  return [leaderboardTable(data.board, filters.model), scoresTable(data.board, data.aggregates, filters.model)];
}
