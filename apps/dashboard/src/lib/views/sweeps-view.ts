import type { PrunebenchDb } from '@prunebench/db';
import type { Table } from '../export/table.ts';
import { pickInt, type SearchParams } from '../params.ts';
import { loadRecentResults, ratesPerMinute } from '../queries/activity.ts';
import { loadFailures, loadJobProgress, loadSweepSummaries, type JobProgress, type ShardFailure, type SweepSummary } from '../queries/sweeps.ts';

export interface SweepRow extends SweepSummary {
  ratePerMinute: number;
  /** Seconds until done at the current rate; NaN when idle or finished. */
  etaSeconds: number;
}

export interface SweepsData {
  now: number;
  sweeps: SweepRow[];
  selected: SweepRow | null;
  jobs: JobProgress[];
  failures: ShardFailure[];
}

export function loadSweeps(db: PrunebenchDb, params: SearchParams, now = Date.now()): SweepsData {
  const rates = ratesPerMinute(loadRecentResults(db), (r) => r.sweepId, now);
  const sweeps = loadSweepSummaries(db).map((s) => {
    const ratePerMinute = rates.get(s.id) ?? 0;
    const remaining = s.samples - s.samplesDone;
    const active = s.state === 'running' || s.state === 'queued';
    return { ...s, ratePerMinute, etaSeconds: active && ratePerMinute > 0 ? (remaining / ratePerMinute) * 60 : Number.NaN };
  });
  const requested = pickInt(params, 'sweep');
  const selected = sweeps.find((s) => s.id === requested) ?? sweeps.find((s) => s.state === 'running') ?? sweeps[0] ?? null;
  return {
    now,
    sweeps,
    selected,
    jobs: selected ? loadJobProgress(db, selected.id) : [],
    failures: selected ? loadFailures(db, selected.id) : [],
  };
}

export function sweepTables(data: SweepsData): Table[] {
  return [
    {
      name: 'sweeps',
      columns: ['id', 'name', 'state', 'jobs', 'samples', 'samples_done', 'shards_done', 'shards_leased', 'shards_queued', 'shards_failed', 'samples_per_minute', 'eta_seconds', 'created_at'],
      rows: data.sweeps.map((s) => [
        s.id, s.name, s.state, s.jobs, s.samples, s.samplesDone, s.shards.done ?? 0, s.shards.leased ?? 0, s.shards.queued ?? 0, s.shards.failed ?? 0,
        s.ratePerMinute, s.etaSeconds, new Date(s.createdAt).toISOString(),
      ]),
    },
    {
      name: `jobs-sweep-${data.selected?.id ?? 'none'}`,
      columns: ['job_id', 'model', 'benchmark', 'method', 'keep', 'policy', 'state', 'samples', 'samples_done', 'shards_done', 'shards_leased', 'shards_queued', 'shards_failed'],
      rows: data.jobs.map((j) => [j.id, j.model, j.benchmark, j.method, j.keep, j.policy, j.state, j.samples, j.samplesDone, j.shards.done ?? 0, j.shards.leased ?? 0, j.shards.queued ?? 0, j.shards.failed ?? 0]),
    },
    {
      name: `failures-sweep-${data.selected?.id ?? 'none'}`,
      columns: ['shard_id', 'job_id', 'setting', 'sample_start', 'sample_end', 'state', 'attempts', 'last_error'],
      rows: data.failures.map((f) => [f.shardId, f.jobId, f.setting, f.sampleStart, f.sampleEnd, f.state, f.attempts, f.lastError]),
    },
  ];
}
