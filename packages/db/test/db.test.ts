import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEEP_ALL, decodeIndices, encodeIndices, jobs, openDatabase, results, sweeps, type NewResult } from '../src/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prunebench-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function seed(path: string): { sweepId: number; jobId: number } {
  const { db, close } = openDatabase(path);
  const [sweep] = db
    .insert(sweeps)
    .values({ name: 's', specYaml: 'name: s', spec: {}, createdAt: Date.now() })
    .returning()
    .all();
  const [job] = db
    .insert(jobs)
    .values({
      sweepId: sweep!.id,
      model: 'm',
      benchmark: 'b',
      method: 'gridprune',
      pruner: 'gridprune',
      keep: 64,
      policy: 'default',
      params: {},
      samples: 10,
    })
    .returning()
    .all();
  close();
  return { sweepId: sweep!.id, jobId: job!.id };
}

function row(sweepId: number, jobId: number, sampleId: string): NewResult {
  return {
    sweepId,
    jobId,
    model: 'm',
    benchmark: 'b',
    sampleId,
    sampleIndex: Number(sampleId.slice(1)),
    method: 'gridprune',
    keep: 64,
    policy: 'default',
    answer: 'red',
    score: 1,
    metric: 'exact-match',
    parsed: null,
    tokensBefore: 576,
    keptCount: 3,
    keptIndices: [1, 7, 575],
    prefillMs: 1.5,
    totalMs: 9,
    flops: 1e9,
    variant: { provider: 'cpu' },
    workerId: 'w1',
    createdAt: Date.now(),
  };
}

describe('openDatabase', () => {
  it('creates the schema in WAL mode and keeps one row per sample and setting', () => {
    const path = join(dir, 'nested', 'pb.db');
    const { sweepId, jobId } = seed(path);
    const { db, sqlite, close } = openDatabase(path);
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    db.insert(results).values([row(sweepId, jobId, 's0'), row(sweepId, jobId, 's1')]).onConflictDoNothing().run();
    const replay = db.insert(results).values([row(sweepId, jobId, 's1'), row(sweepId, jobId, 's2')]).onConflictDoNothing().run();
    expect(replay.changes).toBe(1);
    const stored = db.select().from(results).where(eq(results.sweepId, sweepId)).all();
    expect(stored.map((r) => r.sampleId).sort()).toEqual(['s0', 's1', 's2']);
    expect(stored[0]!.keptIndices).toEqual([1, 7, 575]);
    expect(stored[0]!.variant).toEqual({ provider: 'cpu' });
    close();
  });

  it('uses snake_case column names in SQLite', () => {
    const path = join(dir, 'pb.db');
    seed(path);
    const { sqlite, close } = openDatabase(path);
    const columns = sqlite.prepare("select name from pragma_table_info('results')").all() as Array<{ name: string }>;
    expect(columns.map((c) => c.name)).toContain('kept_indices');
    expect(columns.map((c) => c.name)).toContain('prefill_ms');
    close();
  });

  it('opens read-only for readers, which cannot write and do not create files', () => {
    const path = join(dir, 'pb.db');
    const { sweepId } = seed(path);
    const reader = openDatabase(path, { readonly: true });
    const count = reader.db.select({ n: sql<number>`count(*)` }).from(sweeps).get();
    expect(count?.n).toBe(1);
    expect(() => reader.db.delete(sweeps).where(eq(sweeps.id, sweepId)).run()).toThrow(/readonly/);
    reader.close();
    expect(() => openDatabase(join(dir, 'missing.db'), { readonly: true })).toThrow(/cannot open database .*missing\.db/);
  });

  it('is idempotent to re-open (migrations applied once)', () => {
    const path = join(dir, 'pb.db');
    seed(path);
    seed(path);
    const { db, close } = openDatabase(path);
    expect(db.select().from(sweeps).all()).toHaveLength(2);
    close();
  });
});

describe('kept index encoding', () => {
  it('round-trips and rejects values that do not fit', () => {
    const indices = [0, 1, 2, 300, 2879, 65535];
    expect(decodeIndices(encodeIndices(indices))).toEqual(indices);
    expect(encodeIndices([]).length).toBe(0);
    expect(() => encodeIndices([70000])).toThrow(/70000/);
    expect(KEEP_ALL).toBe(0);
  });

  it('stores every row its own indices (small encodings are slices of one shared allocation pool)', () => {
    const path = join(dir, 'pb.db');
    const { sweepId, jobId } = seed(path);
    const { db, close } = openDatabase(path);
    const encoded = [encodeIndices([1, 2]), encodeIndices([3, 4, 5])];
    expect(encoded[0]!.buffer).toBe(encoded[1]!.buffer);
    const lists = Array.from({ length: 20 }, (_, i) => Array.from({ length: i }, (_, k) => (k * 31 + i) % 2880));
    db.insert(results).values(lists.map((keptIndices, i) => ({ ...row(sweepId, jobId, `s${i}`), keptIndices }))).run();
    const stored = db.select().from(results).where(eq(results.sweepId, sweepId)).orderBy(results.id).all();
    expect(stored.map((r) => r.keptIndices)).toEqual(lists);
    close();
  });
});
