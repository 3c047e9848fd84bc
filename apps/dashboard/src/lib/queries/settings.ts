import { and, eq, sql, type SQL } from 'drizzle-orm';
import { results, type PrunebenchDb } from '@prunebench/db';

/** Mean score and cost of one setting (benchmark x method x keep x policy) of one model, aggregated in SQLite. */
export interface SettingAggregate {
  benchmark: string;
  method: string;
  keep: number;
  policy: string;
  mean: number;
  n: number;
  /** Mean of kept / before over samples (token counts vary per image on AnyRes layouts). */
  keepRatio: number;
  tokensBefore: number;
  prefillMs: number;
  totalMs: number;
  flops: number;
}

export interface SettingFilter {
  model: string;
  benchmark?: string | undefined;
  policy?: string | undefined;
  sweepId?: number | undefined;
}

export function settingConditions(filter: SettingFilter): SQL | undefined {
  const conditions: SQL[] = [eq(results.model, filter.model)];
  if (filter.benchmark) conditions.push(eq(results.benchmark, filter.benchmark));
  if (filter.policy) conditions.push(sql`${results.policy} = ${filter.policy}`);
  if (filter.sweepId !== undefined) conditions.push(eq(results.sweepId, filter.sweepId));
  return and(...conditions);
}

export function loadSettingAggregates(db: PrunebenchDb, filter: SettingFilter): SettingAggregate[] {
  return db
    .select({
      benchmark: results.benchmark,
      method: results.method,
      keep: results.keep,
      policy: results.policy,
      mean: sql<number>`avg(${results.score})`,
      n: sql<number>`count(*)`,
      keepRatio: sql<number>`avg(cast(${results.keptCount} as real) / ${results.tokensBefore})`,
      tokensBefore: sql<number>`avg(${results.tokensBefore})`,
      prefillMs: sql<number>`avg(${results.prefillMs})`,
      totalMs: sql<number>`avg(${results.totalMs})`,
      flops: sql<number>`avg(${results.flops})`,
    })
    .from(results)
    .where(settingConditions(filter))
    .groupBy(results.benchmark, results.method, results.keep, results.policy)
    .all();
}

/**
 * Per-setting score histograms for the bootstrap: (setting, score, count) rows. For 0/1 metrics this is two rows per
 * setting instead of one per sample; continuous metrics cost no more than reading the scores.
 */
export interface ScoreBin {
  method: string;
  keep: number;
  policy: string;
  score: number;
  count: number;
}

export function loadScoreHistograms(db: PrunebenchDb, filter: SettingFilter & { benchmark: string }): ScoreBin[] {
  return db
    .select({
      method: results.method,
      keep: results.keep,
      policy: results.policy,
      score: results.score,
      count: sql<number>`count(*)`,
    })
    .from(results)
    .where(settingConditions(filter))
    .groupBy(results.method, results.keep, results.policy, results.score)
    .all();
}
