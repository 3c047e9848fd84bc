import { desc, sql } from 'drizzle-orm';
import { jobs, models, sweeps, type PrunebenchDb } from '@prunebench/db';

/**
 * What exists to filter on. Read from `jobs` (one row per setting, thousands at most) rather than from `results`
 * (millions), so building the filter bar never scans results.
 */
export interface Catalog {
  models: string[];
  benchmarksByModel: Map<string, string[]>;
  methods: string[];
  policies: string[];
  keepsByModel: Map<string, number[]>;
  sweeps: { id: number; name: string; state: string }[];
  modelMeta: Map<string, ModelInfo>;
}

export interface ModelInfo {
  family: string | null;
  grid: number | null;
}

function readModelInfo(meta: Record<string, unknown> | null): ModelInfo {
  const family = typeof meta?.family === 'string' ? meta.family : null;
  const vision = meta?.vision;
  const grid = vision && typeof vision === 'object' && 'grid' in vision && typeof vision.grid === 'number' ? vision.grid : null;
  return { family, grid };
}

export function loadCatalog(db: PrunebenchDb): Catalog {
  const settings = db
    .selectDistinct({ model: jobs.model, benchmark: jobs.benchmark, method: jobs.method, keep: jobs.keep, policy: jobs.policy })
    .from(jobs)
    .all();
  const sweepRows = db.select({ id: sweeps.id, name: sweeps.name, state: sweeps.state }).from(sweeps).orderBy(desc(sweeps.id)).all();
  const modelRows = db.select({ name: models.name, meta: models.meta }).from(models).all();

  const benchmarksByModel = new Map<string, Set<string>>();
  const keepsByModel = new Map<string, Set<number>>();
  const methods = new Set<string>();
  const policies = new Set<string>();
  for (const s of settings) {
    (benchmarksByModel.get(s.model) ?? benchmarksByModel.set(s.model, new Set()).get(s.model))?.add(s.benchmark);
    if (s.keep > 0) (keepsByModel.get(s.model) ?? keepsByModel.set(s.model, new Set()).get(s.model))?.add(s.keep);
    if (s.keep > 0) methods.add(s.method);
    policies.add(s.policy);
  }
  const sorted = (values: Iterable<string>) => [...values].sort((a, b) => a.localeCompare(b));
  return {
    models: sorted(benchmarksByModel.keys()),
    benchmarksByModel: new Map([...benchmarksByModel].map(([model, set]) => [model, sorted(set)])),
    methods: sorted(methods),
    policies: sorted(policies),
    keepsByModel: new Map([...keepsByModel].map(([model, set]) => [model, [...set].sort((a, b) => b - a)])),
    sweeps: sweepRows,
    modelMeta: new Map(modelRows.map((m) => [m.name, readModelInfo(m.meta)])),
  };
}

/** Sweeps a fixture seed wrote carry `fixture: true` in their spec; pages say so in a banner. */
export function fixtureSweeps(db: PrunebenchDb): { id: number; name: string }[] {
  return db
    .select({ id: sweeps.id, name: sweeps.name })
    .from(sweeps)
    .where(sql`json_extract(${sweeps.spec}, '$.fixture') = 1`)
    .all();
}
