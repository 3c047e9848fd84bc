import { and, eq, gt, sql } from 'drizzle-orm';
import { results, shards, workers, type PrunebenchDb } from '@prunebench/db';

/**
 * What the pages should show, computed straight from the database with plain aggregates, independently of the
 * dashboard's own view code, so the e2e test checks numbers rather than echoing them.
 */
export interface Expected {
  model: string;
  methods: string[];
  fullScores: Map<string, number>;
  keeps: number[];
  /** Relative performance of one method at one budget under policy `default`, averaged over benchmarks. */
  relative: (method: string, keep: number) => number;
  failedShardErrors: string[];
  workerIds: string[];
}

export function modelsIn(db: PrunebenchDb): string[] {
  return db.selectDistinct({ model: results.model }).from(results).orderBy(results.model).all().map((r) => r.model);
}

export function expectationsFor(db: PrunebenchDb, model: string): Expected {
  const methods = db
    .selectDistinct({ method: results.method })
    .from(results)
    .where(and(eq(results.model, model), gt(results.keep, 0)))
    .orderBy(results.method)
    .all()
    .map((r) => r.method);
  const fullScores = new Map(
    db
      .select({ benchmark: results.benchmark, mean: sql<number>`avg(${results.score})` })
      .from(results)
      .where(and(eq(results.model, model), eq(results.keep, 0)))
      .groupBy(results.benchmark)
      .all()
      .map((r) => [r.benchmark, r.mean]),
  );
  const keeps = db
    .selectDistinct({ keep: results.keep })
    .from(results)
    .where(and(eq(results.model, model), gt(results.keep, 0)))
    .all()
    .map((r) => r.keep)
    .sort((a, b) => b - a);
  const relative = (method: string, keep: number) => {
    const rows = db
      .select({ benchmark: results.benchmark, mean: sql<number>`avg(${results.score})` })
      .from(results)
      .where(and(eq(results.model, model), eq(results.method, method), eq(results.keep, keep), sql`${results.policy} = 'default'`))
      .groupBy(results.benchmark)
      .all();
    const ratios = rows.filter((r) => (fullScores.get(r.benchmark) ?? 0) > 0).map((r) => r.mean / (fullScores.get(r.benchmark) ?? 1));
    return ratios.reduce((s, v) => s + v, 0) / ratios.length;
  };
  return {
    model,
    methods,
    fullScores,
    keeps,
    relative,
    failedShardErrors: db
      .select({ error: shards.lastError })
      .from(shards)
      .where(eq(shards.state, 'failed'))
      .all()
      .map((r) => r.error ?? ''),
    workerIds: db.select({ id: workers.id }).from(workers).all().map((w) => w.id),
  };
}
