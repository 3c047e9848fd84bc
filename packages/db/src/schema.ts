/**
 * The one database schema of prunebench, shared by the coordinator (the only writer) and the dashboard (read-only).
 * Column names are camelCase here and snake_case in SQLite through drizzle's `casing: 'snake_case'` (set in
 * `open.ts` and `drizzle.config.ts`). Timestamps are epoch milliseconds. Relations sit beside their tables.
 *
 * Conventions every reader must know:
 * - `keep` is the number of visual tokens kept; `KEEP_ALL` (0) marks the full-token reference (nothing pruned).
 * - `method` is the sweep's label for a method setting (usually the pruner id, e.g. `gridprune`; a sweep can give a
 *   parameterised copy its own label such as `gridprune-z4`); `jobs.pruner` is the pruner id the worker runs.
 * - `policy` is the RoPE position policy the sweep asked for: `preserve`, `compact`, or `default` (the method's own
 *   default; the policy actually applied is recorded per result in `variant.policy` when the worker reports it).
 */
import { relations } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { indexList } from './index-list.ts';

export const KEEP_ALL = 0;

export const sweepStates = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type SweepState = (typeof sweepStates)[number];
export const jobStates = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];
export const shardStates = ['queued', 'leased', 'done', 'failed', 'cancelled'] as const;
export type ShardState = (typeof shardStates)[number];
export const positionPolicies = ['default', 'preserve', 'compact'] as const;
export type PositionPolicy = (typeof positionPolicies)[number];

/** What a worker says it can run; matched against jobs when it asks for a lease. */
export interface WorkerCapabilities {
  models: Array<{ name: string; contentHash: string }>;
  benchmarks: Array<{ name: string; contentHash: string }>;
  provider: string;
  memoryBytes: number;
  threads: number;
  simulated: boolean;
  version: string;
}

export const sweeps = sqliteTable(
  'sweeps',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    name: text().notNull(),
    /** The YAML exactly as submitted, for provenance. */
    specYaml: text().notNull(),
    /** The validated, normalised spec. */
    spec: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    priority: integer().notNull().default(0),
    state: text({ enum: sweepStates }).notNull().default('queued'),
    maxAttempts: integer().notNull().default(3),
    /** Load-test sweeps: only simulated workers take them, and simulated workers take nothing else. */
    simulated: integer({ mode: 'boolean' }).notNull().default(false),
    createdAt: integer().notNull(),
    finishedAt: integer(),
  },
  (t) => [index('sweeps_state_priority_idx').on(t.state, t.priority)],
);

export const jobs = sqliteTable(
  'jobs',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    sweepId: integer()
      .notNull()
      .references(() => sweeps.id, { onDelete: 'cascade' }),
    model: text().notNull(),
    benchmark: text().notNull(),
    method: text().notNull(),
    pruner: text().notNull(),
    keep: integer().notNull(),
    policy: text({ enum: positionPolicies }).notNull(),
    params: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Samples this job covers (the sweep's sample limit applied). */
    samples: integer().notNull(),
    /** Distinct samples stored so far; advanced by the ingest transaction, never by replays. */
    samplesDone: integer().notNull().default(0),
    state: text({ enum: jobStates }).notNull().default('queued'),
  },
  (t) => [
    uniqueIndex('jobs_setting_unique').on(t.sweepId, t.model, t.benchmark, t.method, t.keep, t.policy),
    index('jobs_sweep_state_idx').on(t.sweepId, t.state),
  ],
);

export const shards = sqliteTable(
  'shards',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    sweepId: integer()
      .notNull()
      .references(() => sweeps.id, { onDelete: 'cascade' }),
    jobId: integer()
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    /** Sample index range [sampleStart, sampleEnd) in the benchmark's samples.jsonl order. */
    sampleStart: integer().notNull(),
    sampleEnd: integer().notNull(),
    state: text({ enum: shardStates }).notNull().default('queued'),
    leaseOwner: text(),
    leaseDeadline: integer(),
    /** Leases granted so far; the shard fails for good when a lease fails or expires at `sweeps.maxAttempts`. */
    attempts: integer().notNull().default(0),
    /** Backoff: not leased again before this time. */
    nextAttemptAt: integer().notNull().default(0),
    lastError: text(),
    finishedAt: integer(),
  },
  (t) => [
    index('shards_state_next_attempt_idx').on(t.state, t.nextAttemptAt),
    index('shards_job_state_idx').on(t.jobId, t.state),
    // Leasing walks one sweep's queued shards in id order.
    index('shards_sweep_state_id_idx').on(t.sweepId, t.state, t.id),
    index('shards_state_deadline_idx').on(t.state, t.leaseDeadline),
  ],
);

export const workers = sqliteTable('workers', {
  id: text().primaryKey(),
  host: text().notNull(),
  capabilities: text({ mode: 'json' }).$type<WorkerCapabilities>().notNull(),
  registeredAt: integer().notNull(),
  lastHeartbeatAt: integer().notNull(),
  currentShardId: integer(),
  samplesDone: integer().notNull().default(0),
  /** `active` while it heartbeats, `gone` after it drained or stopped heartbeating. */
  state: text({ enum: ['active', 'gone'] })
    .notNull()
    .default('active'),
});

export const results = sqliteTable(
  'results',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    sweepId: integer()
      .notNull()
      .references(() => sweeps.id, { onDelete: 'cascade' }),
    jobId: integer()
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    model: text().notNull(),
    benchmark: text().notNull(),
    sampleId: text().notNull(),
    sampleIndex: integer().notNull(),
    method: text().notNull(),
    keep: integer().notNull(),
    policy: text({ enum: positionPolicies }).notNull(),
    /** The raw model output (lmms-eval's "resps"). */
    answer: text().notNull(),
    score: real().notNull(),
    metric: text().notNull(),
    /** What the metric parsed out of the answer (a box, an option letter, yes/no), when it parses. */
    parsed: text({ mode: 'json' }).$type<unknown>(),
    tokensBefore: integer().notNull(),
    keptCount: integer().notNull(),
    /** Sorted kept token indices, little-endian uint16 (see index-list.ts); empty for the full-token reference. */
    keptIndices: indexList().notNull(),
    prefillMs: real().notNull(),
    totalMs: real().notNull(),
    flops: real().notNull(),
    /** Preprocessing variant, applied position policy, provider, dtype, runtime version, method variant. */
    variant: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    workerId: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [
    // The unique key; sample before method so that a drill-down (one sample, every setting) is one index seek.
    uniqueIndex('results_sample_setting_unique').on(
      t.sweepId,
      t.model,
      t.benchmark,
      t.sampleId,
      t.method,
      t.keep,
      t.policy,
    ),
    // Covering index for the dashboard's per-setting aggregates (leaderboard, curves, export): they never touch
    // the wide rows (kept-index blobs). Measured by the dashboard's page-response benchmark (about 2-3x faster).
    // `id` right after `score` keeps the score histograms' (setting, score) order, and makes every insert land at
    // the end of its (setting, score) run: with the random timings next, each row went to a random leaf page, and a
    // batch of 256 rows dirtied ~170 pages that every commit wrote to the WAL (ingest benchmark: about 0.4 of the
    // 1.0 SQLite CPU-seconds per 100,000 rows).
    index('results_setting_cover_idx').on(
      t.model,
      t.benchmark,
      t.method,
      t.keep,
      t.policy,
      t.score,
      t.id,
      t.keptCount,
      t.tokensBefore,
      t.prefillMs,
      t.totalMs,
      t.flops,
    ),
    index('results_job_sample_idx').on(t.jobId, t.sampleIndex),
  ],
);

/** Registry: model folders the coordinator knows, by name, with the content hash workers must match. */
export const models = sqliteTable('models', {
  name: text().primaryKey(),
  contentHash: text().notNull(),
  path: text().notNull(),
  meta: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  registeredAt: integer().notNull(),
});

/** Registry: benchmark folders, by name, with content hash and sample count. */
export const benchmarks = sqliteTable('benchmarks', {
  name: text().primaryKey(),
  contentHash: text().notNull(),
  path: text().notNull(),
  samples: integer().notNull(),
  meta: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  registeredAt: integer().notNull(),
});

export const sweepsRelations = relations(sweeps, ({ many }) => ({
  jobs: many(jobs),
  shards: many(shards),
  results: many(results),
}));

export const jobsRelations = relations(jobs, ({ one, many }) => ({
  sweep: one(sweeps, { fields: [jobs.sweepId], references: [sweeps.id] }),
  shards: many(shards),
  results: many(results),
}));

export const shardsRelations = relations(shards, ({ one }) => ({
  sweep: one(sweeps, { fields: [shards.sweepId], references: [sweeps.id] }),
  job: one(jobs, { fields: [shards.jobId], references: [jobs.id] }),
}));

export const resultsRelations = relations(results, ({ one }) => ({
  sweep: one(sweeps, { fields: [results.sweepId], references: [sweeps.id] }),
  job: one(jobs, { fields: [results.jobId], references: [jobs.id] }),
  worker: one(workers, { fields: [results.workerId], references: [workers.id] }),
}));

export const workersRelations = relations(workers, ({ many }) => ({
  results: many(results),
}));

export type Sweep = typeof sweeps.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type Shard = typeof shards.$inferSelect;
export type Worker = typeof workers.$inferSelect;
export type Result = typeof results.$inferSelect;
export type NewResult = typeof results.$inferInsert;
export type ModelEntry = typeof models.$inferSelect;
export type BenchmarkEntry = typeof benchmarks.$inferSelect;
