import Database from 'better-sqlite3';

/**
 * What the database says about one sweep, read straight from SQLite (not through the coordinator), so that a bug in
 * the coordinator's own status code cannot hide a lost or doubled result.
 */
export interface SweepLedger {
  sweepId: number;
  state: string;
  expected: number;
  stored: number;
  /** Expected (job, sample index) pairs with no row. */
  lost: number;
  /** Rows beyond the first for the same (job, sample index) or (job, sample id). */
  duplicated: number;
  /** Rows whose sample index lies outside [0, job.samples). */
  outOfRange: number;
  /** Jobs whose samples_done counter disagrees with their row count. */
  counterMismatches: number;
  /** Shards still queued or leased. */
  openShards: number;
  failedShards: number;
  shards: number;
  /** Shards that took more than one lease (killed, expired or slowed workers). */
  retriedShards: number;
  maxAttempts: number;
  jobStates: Record<string, number>;
  shardStates: Record<string, number>;
}

function openReadOnly(dbPath: string): Database.Database {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

export function readLedger(dbPath: string, sweepId: number): SweepLedger {
  const db = openReadOnly(dbPath);
  try {
    const sweep = db.prepare('select state from sweeps where id = ?').get(sweepId) as { state: string } | undefined;
    if (!sweep) throw new Error(`no sweep ${sweepId} in ${dbPath}`);
    const one = <T>(sql: string): T => db.prepare(sql).get(sweepId) as T;
    const expected = one<{ n: number }>('select coalesce(sum(samples), 0) n from jobs where sweep_id = ?').n;
    const stored = one<{ n: number }>('select count(*) n from results where sweep_id = ?').n;
    const distinctIndex = one<{ n: number }>(
      `select count(*) n from (select distinct r.job_id, r.sample_index from results r join jobs j on j.id = r.job_id
       where r.sweep_id = ? and r.sample_index >= 0 and r.sample_index < j.samples)`,
    ).n;
    const distinctId = one<{ n: number }>('select count(*) n from (select distinct job_id, sample_id from results where sweep_id = ?)').n;
    const outOfRange = one<{ n: number }>(
      'select count(*) n from results r join jobs j on j.id = r.job_id where r.sweep_id = ? and (r.sample_index < 0 or r.sample_index >= j.samples)',
    ).n;
    const counterMismatches = one<{ n: number }>(
      `select count(*) n from jobs j where j.sweep_id = ? and j.samples_done != (select count(*) from results r where r.job_id = j.id)`,
    ).n;
    const states = (table: 'jobs' | 'shards'): Record<string, number> =>
      Object.fromEntries(
        (db.prepare(`select state, count(*) n from ${table} where sweep_id = ? group by state`).all(sweepId) as Array<{ state: string; n: number }>).map(
          (r) => [r.state, r.n],
        ),
      );
    const shardStates = states('shards');
    const attempts = one<{ retried: number; max: number; n: number }>(
      'select coalesce(sum(attempts > 1), 0) retried, coalesce(max(attempts), 0) max, count(*) n from shards where sweep_id = ?',
    );
    return {
      sweepId,
      state: sweep.state,
      expected,
      stored,
      lost: expected - distinctIndex,
      duplicated: Math.max(stored - outOfRange - distinctIndex, stored - distinctId),
      outOfRange,
      counterMismatches,
      openShards: (shardStates.queued ?? 0) + (shardStates.leased ?? 0),
      failedShards: shardStates.failed ?? 0,
      shards: attempts.n,
      retriedShards: attempts.retried,
      maxAttempts: attempts.max,
      jobStates: states('jobs'),
      shardStates,
    };
  } finally {
    db.close();
  }
}

/** Samples stored so far (sum of the coordinator's own counters), for chaos timing only. */
export function progress(dbPath: string, sweepId: number): { done: number; total: number; state: string } | undefined {
  let db: Database.Database | undefined;
  try {
    db = openReadOnly(dbPath);
    const row = db
      .prepare('select s.state state, coalesce(sum(j.samples_done), 0) done, coalesce(sum(j.samples), 0) total from sweeps s join jobs j on j.sweep_id = s.id where s.id = ?')
      .get(sweepId) as { state: string; done: number; total: number } | undefined;
    return row ?? undefined;
  } catch {
    // The database may be mid-checkpoint or not created yet; the caller polls again.
    return undefined;
  } finally {
    db?.close();
  }
}

/** Every stored (job, sample index) key of a sweep, for "nothing acknowledged was lost" checks. */
export function storedKeys(dbPath: string, sweepId: number): Set<string> {
  const db = openReadOnly(dbPath);
  try {
    const rows = db.prepare('select job_id, sample_index from results where sweep_id = ?').all(sweepId) as Array<{ job_id: number; sample_index: number }>;
    return new Set(rows.map((r) => `${r.job_id}:${r.sample_index}`));
  } finally {
    db.close();
  }
}

/** The exactly-once verdict on a finished sweep: empty when everything holds, else one line per broken rule. */
export function exactlyOnceViolations(ledger: SweepLedger, expectState = 'done'): string[] {
  const problems: string[] = [];
  if (ledger.state !== expectState) problems.push(`sweep ${ledger.sweepId} is ${ledger.state}, expected ${expectState}`);
  if (ledger.lost !== 0) problems.push(`${ledger.lost} expected (sample, setting) pairs have no result`);
  if (ledger.duplicated !== 0) problems.push(`${ledger.duplicated} results are stored more than once`);
  if (ledger.outOfRange !== 0) problems.push(`${ledger.outOfRange} results have a sample index outside their job`);
  if (ledger.stored !== ledger.expected) problems.push(`stored ${ledger.stored} rows, expected ${ledger.expected}`);
  if (ledger.counterMismatches !== 0) problems.push(`${ledger.counterMismatches} jobs have samples_done != their row count`);
  if (ledger.openShards !== 0) problems.push(`${ledger.openShards} shards are stuck queued or leased`);
  if (expectState === 'done' && ledger.failedShards !== 0) problems.push(`${ledger.failedShards} shards failed`);
  return problems;
}
