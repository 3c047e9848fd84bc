import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { benchmarks, models, results, sweeps, type PrunebenchDb } from '@prunebench/db';

export interface SampleScope {
  model: string;
  benchmark: string;
  keep: number;
  policy?: string | undefined;
  sweepId?: number | undefined;
}

export interface Disagreement {
  sampleId: string;
  sampleIndex: number;
  methods: number;
  min: number;
  max: number;
  mean: number;
  right: string | null;
  wrong: string | null;
}

function scopeConditions(scope: SampleScope): SQL[] {
  const conditions: SQL[] = [eq(results.model, scope.model), eq(results.benchmark, scope.benchmark), eq(results.keep, scope.keep)];
  if (scope.policy) conditions.push(sql`${results.policy} = ${scope.policy}`);
  if (scope.sweepId !== undefined) conditions.push(eq(results.sweepId, scope.sweepId));
  return conditions;
}

/**
 * Samples where methods at the same budget disagree most: largest score spread first, then the most evenly split.
 * "Right" means a score of at least 0.5 (1 for exact-match style metrics, IoU-correct for grounding).
 */
export function loadDisagreements(db: PrunebenchDb, scope: SampleScope, limit = 50): Disagreement[] {
  const spread = sql`max(${results.score}) - min(${results.score})`;
  const label = sql`case when ${results.policy} = 'default' then ${results.method} else ${results.method} || ' (' || ${results.policy} || ')' end`;
  return db
    .select({
      sampleId: results.sampleId,
      sampleIndex: results.sampleIndex,
      methods: sql<number>`count(*)`,
      min: sql<number>`min(${results.score})`,
      max: sql<number>`max(${results.score})`,
      mean: sql<number>`avg(${results.score})`,
      right: sql<string | null>`group_concat(case when ${results.score} >= 0.5 then ${label} end, ', ')`,
      wrong: sql<string | null>`group_concat(case when ${results.score} < 0.5 then ${label} end, ', ')`,
    })
    .from(results)
    .where(and(...scopeConditions(scope)))
    .groupBy(results.sampleId, results.sampleIndex)
    .having(sql`count(*) > 1`)
    .orderBy(sql`${spread} desc`, sql`abs(avg(${results.score}) - 0.5)`, results.sampleIndex)
    .limit(limit)
    .all();
}

export interface SampleResult {
  sweepId: number;
  method: string;
  keep: number;
  policy: string;
  answer: string;
  parsed: unknown;
  score: number;
  metric: string;
  tokensBefore: number;
  keptCount: number;
  keptIndices: number[];
  prefillMs: number;
  variant: Record<string, unknown>;
}

/**
 * Every result of one sample at one budget plus its full-token reference. `sweep_id IN (all sweeps)` lets SQLite
 * seek the unique (sweep, model, benchmark, sample, ...) index once per sweep instead of scanning the benchmark.
 */
export function loadSampleResults(db: PrunebenchDb, scope: Omit<SampleScope, 'keep'> & { sampleId: string; keep: number }): SampleResult[] {
  const sweepCondition = scope.sweepId !== undefined ? eq(results.sweepId, scope.sweepId) : inArray(results.sweepId, db.select({ id: sweeps.id }).from(sweeps));
  const conditions: SQL[] = [
    sweepCondition,
    eq(results.model, scope.model),
    eq(results.benchmark, scope.benchmark),
    eq(results.sampleId, scope.sampleId),
    inArray(results.keep, [0, scope.keep]),
  ];
  if (scope.policy) conditions.push(sql`(${results.policy} = ${scope.policy} or ${results.keep} = 0)`);
  return db
    .select({
      sweepId: results.sweepId,
      method: results.method,
      keep: results.keep,
      policy: results.policy,
      answer: results.answer,
      parsed: results.parsed,
      score: results.score,
      metric: results.metric,
      tokensBefore: results.tokensBefore,
      keptCount: results.keptCount,
      keptIndices: results.keptIndices,
      prefillMs: results.prefillMs,
      variant: results.variant,
    })
    .from(results)
    .where(and(...conditions))
    .orderBy(results.keep, results.method, results.policy)
    .all();
}

/** The sample's index in its benchmark file, from any result of it. */
export function loadSampleIndex(db: PrunebenchDb, model: string, benchmark: string, sampleId: string): number | null {
  const row = db
    .select({ index: results.sampleIndex })
    .from(results)
    .where(and(inArray(results.sweepId, db.select({ id: sweeps.id }).from(sweeps)), eq(results.model, model), eq(results.benchmark, benchmark), eq(results.sampleId, sampleId)))
    .limit(1)
    .get();
  return row?.index ?? null;
}

export function loadBenchmarkFolder(db: PrunebenchDb, name: string): string | null {
  return db.select({ path: benchmarks.path }).from(benchmarks).where(eq(benchmarks.name, name)).get()?.path ?? null;
}

export function loadModelFolder(db: PrunebenchDb, name: string): string | null {
  return db.select({ path: models.path }).from(models).where(eq(models.name, name)).get()?.path ?? null;
}
