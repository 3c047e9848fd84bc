import { encodeIndices, jobs, results, shards, sweeps, workers, type Job, type Shard } from '@prunebench/db';
import type { SampleResult } from '@prunebench/proto';
import { and, eq, gte, lte, sql } from 'drizzle-orm';
import type { Context } from '../context.ts';

export interface IngestOutcome {
  inserted: number;
  duplicates: number;
}

export interface ShardTarget {
  shard: Shard;
  job: Job;
}

export class RejectedBatch extends Error {
  override name = 'RejectedBatch';
}

function parseJson(text: string, field: string, sampleId: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RejectedBatch(`sample ${sampleId}: ${field} is not valid JSON`, { cause: error });
  }
}

/** Looks up what a batch's results belong to; the setting comes from the job, never from the worker. */
export function shardTarget(ctx: Context, shardId: number): ShardTarget {
  const row = ctx.db.select({ shard: shards, job: jobs }).from(shards).innerJoin(jobs, eq(jobs.id, shards.jobId)).where(eq(shards.id, shardId)).get();
  if (!row) throw new RejectedBatch(`unknown shard ${shardId}`);
  return row;
}

/**
 * Builds the ingest function of one coordinator: each batch is one transaction of `INSERT ... ON CONFLICT DO
 * NOTHING` on the per-sample unique key, so a replayed batch (a worker that lost its ack, a re-leased shard) stores
 * nothing twice, and progress counters advance only by rows actually inserted.
 *
 * The statement text comes from the Drizzle schema (no hand-written SQL), but runs as a raw better-sqlite3 prepared
 * statement fed driver values: this is the hot path (tens of thousands of rows per second), and Drizzle's per-row
 * value mapping would cost about a third of it. JSON arrives as text from the worker and is stored as that text.
 */
export function createIngest(ctx: Context): (workerId: string, target: ShardTarget, batch: SampleResult[]) => IngestOutcome {
  const p = (name: string) => sql.placeholder(name);
  const query = ctx.db
    .insert(results)
    .values({
      sweepId: p('sweepId'),
      jobId: p('jobId'),
      model: p('model'),
      benchmark: p('benchmark'),
      sampleId: p('sampleId'),
      sampleIndex: p('sampleIndex'),
      method: p('method'),
      keep: p('keep'),
      policy: p('policy'),
      answer: p('answer'),
      score: p('score'),
      metric: p('metric'),
      parsed: p('parsed'),
      tokensBefore: p('tokensBefore'),
      keptCount: p('keptCount'),
      keptIndices: p('keptIndices'),
      prefillMs: p('prefillMs'),
      totalMs: p('totalMs'),
      flops: p('flops'),
      variant: p('variant'),
      workerId: p('workerId'),
      createdAt: p('createdAt'),
    })
    .onConflictDoNothing()
    .toSQL();
  const order = query.params.map((param) => {
    // Drizzle wraps each placeholder in a Param that carries the column's encoder.
    const inner = (param as { value?: { name?: unknown } }).value;
    const name = inner?.name;
    if (typeof name !== 'string') throw new Error('ingest statement: every value must be a placeholder');
    return name;
  });
  const at = (name: string): number => {
    const position = order.indexOf(name);
    if (position < 0) throw new Error(`ingest statement: no placeholder ${name}`);
    return position;
  };
  const slot = {
    sweepId: at('sweepId'), jobId: at('jobId'), model: at('model'), benchmark: at('benchmark'), sampleId: at('sampleId'),
    sampleIndex: at('sampleIndex'), method: at('method'), keep: at('keep'), policy: at('policy'), answer: at('answer'),
    score: at('score'), metric: at('metric'), parsed: at('parsed'), tokensBefore: at('tokensBefore'), keptCount: at('keptCount'),
    keptIndices: at('keptIndices'), prefillMs: at('prefillMs'), totalMs: at('totalMs'), flops: at('flops'), variant: at('variant'),
    workerId: at('workerId'), createdAt: at('createdAt'),
  };
  const insert = ctx.sqlite.prepare(query.sql);
  const bumpJob = ctx.db
    .update(jobs)
    .set({ samplesDone: sql`${jobs.samplesDone} + ${p('n')}` })
    .where(eq(jobs.id, p('jobId')))
    .prepare();
  const bumpWorker = ctx.db
    .update(workers)
    .set({ samplesDone: sql`${workers.samplesDone} + ${p('n')}` })
    .where(eq(workers.id, p('workerId')))
    .prepare();
  const sweepState = ctx.db.select({ state: sweeps.state }).from(sweeps).where(eq(sweeps.id, p('sweepId'))).prepare();
  // The unique key holds the sample id, so a result for a stored index under another id would be a second row for
  // the same sample: look for that over the batch's index range (one index scan) before committing.
  const indexClash = ctx.db
    .select({ index: results.sampleIndex })
    .from(results)
    .where(and(eq(results.jobId, p('jobId')), gte(results.sampleIndex, p('lo')), lte(results.sampleIndex, p('hi'))))
    .groupBy(results.sampleIndex)
    .having(sql`count(*) > 1`)
    .limit(1)
    .prepare();

  return (workerId, { shard, job }, batch) => {
    // Everything is checked before the transaction: a bad row rejects the whole batch and stores nothing.
    const keptBytes = new Array<Buffer>(batch.length);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    // Workers repeat the same JSON texts row after row (the variant especially): parse each distinct text once.
    let validParsed = '';
    let validVariant = '';
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      if (r.sampleIndex < shard.sampleStart || r.sampleIndex >= shard.sampleEnd) {
        throw new RejectedBatch(`sample index ${r.sampleIndex} is outside shard ${shard.id} [${shard.sampleStart}, ${shard.sampleEnd})`);
      }
      if (r.sampleId === '') throw new RejectedBatch(`sample index ${r.sampleIndex}: empty sample id`);
      for (const field of ['score', 'prefillMs', 'totalMs', 'flops'] as const) {
        if (!Number.isFinite(r[field])) throw new RejectedBatch(`sample ${r.sampleId}: ${field} is not a finite number`);
      }
      try {
        keptBytes[i] = encodeIndices(r.keptIndices);
      } catch (error) {
        throw new RejectedBatch(`sample ${r.sampleId}: ${(error as Error).message}`, { cause: error });
      }
      if (r.parsedJson !== validParsed) {
        parseJson(r.parsedJson, 'parsed_json', r.sampleId);
        validParsed = r.parsedJson;
      }
      if (r.variantJson !== validVariant) {
        parseJson(r.variantJson, 'variant_json', r.sampleId);
        validVariant = r.variantJson;
      }
      if (r.sampleIndex < lo) lo = r.sampleIndex;
      if (r.sampleIndex > hi) hi = r.sampleIndex;
    }
    // One parameter array, refilled per row (the statement copies what it binds): the job's setting, the worker
    // and the time are the same for every row of the batch.
    const values = new Array<string | number | Buffer | null>(order.length).fill(null);
    values[slot.sweepId] = job.sweepId;
    values[slot.jobId] = job.id;
    values[slot.model] = job.model;
    values[slot.benchmark] = job.benchmark;
    values[slot.method] = job.method;
    values[slot.keep] = job.keep;
    values[slot.policy] = job.policy;
    values[slot.workerId] = workerId;
    values[slot.createdAt] = ctx.now();
    const inserted = ctx.db.transaction(() => {
      if (sweepState.get({ sweepId: job.sweepId })?.state === 'cancelled') return 0;
      let n = 0;
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        values[slot.sampleId] = r.sampleId;
        values[slot.sampleIndex] = r.sampleIndex;
        values[slot.answer] = r.prediction;
        values[slot.score] = r.score;
        values[slot.metric] = r.metric;
        values[slot.parsed] = r.parsedJson === '' ? null : r.parsedJson;
        values[slot.tokensBefore] = r.tokensBefore;
        values[slot.keptCount] = r.keptCount;
        values[slot.keptIndices] = keptBytes[i]!;
        values[slot.prefillMs] = r.prefillMs;
        values[slot.totalMs] = r.totalMs;
        values[slot.flops] = r.flops;
        values[slot.variant] = r.variantJson === '' ? '{}' : r.variantJson;
        n += insert.run(values).changes;
      }
      if (n > 0) {
        const clash = indexClash.get({ jobId: job.id, lo, hi });
        // Thrown inside the transaction: the whole batch rolls back.
        if (clash) throw new RejectedBatch(`sample index ${clash.index} of shard ${shard.id} is already stored under another sample id`);
        bumpJob.run({ n, jobId: job.id });
        bumpWorker.run({ n, workerId });
      }
      return n;
    });
    if (inserted > 0) ctx.events.emit('change', job.sweepId);
    return { inserted, duplicates: batch.length - inserted };
  };
}
