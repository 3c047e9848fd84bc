import type { ExportedResult } from '@prunebench/proto';

export interface LeaderboardRow {
  model: string;
  benchmark: string;
  method: string;
  /** Tokens kept; 0 = all (full-token reference). */
  keep: number;
  policy: string;
  samples: number;
  /** Mean per-sample score, 0..1 (each metric's per-sample score; see docs/benchmark-format.md). */
  score: number;
  /** score / the full-token reference's score on the same model and benchmark. */
  relative: number | null;
  meanKept: number;
  meanPrefillMs: number;
  meanTotalMs: number;
  meanGflops: number;
}

/**
 * Aggregates exported per-sample rows into one line per setting, best first within each budget, with the
 * full-token reference beside every pruned score.
 */
export function leaderboard(rows: Iterable<ExportedResult>): LeaderboardRow[] {
  const groups = new Map<string, { key: Omit<LeaderboardRow, 'samples' | 'score' | 'relative' | 'meanKept' | 'meanPrefillMs' | 'meanTotalMs' | 'meanGflops'>; n: number; score: number; kept: number; prefill: number; total: number; flops: number }>();
  for (const row of rows) {
    const r = row.result;
    if (!r) continue;
    const id = JSON.stringify([row.model, row.benchmark, row.method, row.keep, row.policy]);
    let g = groups.get(id);
    if (!g) {
      g = { key: { model: row.model, benchmark: row.benchmark, method: row.method, keep: row.keep, policy: row.policy }, n: 0, score: 0, kept: 0, prefill: 0, total: 0, flops: 0 };
      groups.set(id, g);
    }
    g.n++;
    g.score += r.score;
    g.kept += r.keptCount;
    g.prefill += r.prefillMs;
    g.total += r.totalMs;
    g.flops += r.flops;
  }
  const lines = [...groups.values()].map((g) => ({
    ...g.key,
    samples: g.n,
    score: g.score / g.n,
    relative: null as number | null,
    meanKept: g.kept / g.n,
    meanPrefillMs: g.prefill / g.n,
    meanTotalMs: g.total / g.n,
    meanGflops: g.flops / g.n / 1e9,
  }));
  const reference = new Map(lines.filter((l) => l.keep === 0).map((l) => [`${l.model}\0${l.benchmark}`, l.score]));
  for (const line of lines) {
    const full = reference.get(`${line.model}\0${line.benchmark}`);
    line.relative = full ? line.score / full : null;
  }
  return lines.sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      a.benchmark.localeCompare(b.benchmark) ||
      (a.keep === 0 ? -1 : b.keep === 0 ? 1 : b.keep - a.keep) ||
      b.score - a.score ||
      a.method.localeCompare(b.method),
  );
}

/** A fixed-width text table of the leaderboard. */
export function formatLeaderboard(lines: LeaderboardRow[]): string {
  const header = ['model', 'benchmark', 'keep', 'method', 'policy', 'n', 'score %', 'rel. %', 'kept', 'prefill ms', 'GFLOPs'];
  const body = lines.map((l) => [
    l.model,
    l.benchmark,
    l.keep === 0 ? 'all' : String(l.keep),
    l.method,
    l.policy,
    String(l.samples),
    (100 * l.score).toFixed(1),
    l.relative === null ? '-' : (100 * l.relative).toFixed(1),
    l.meanKept.toFixed(0),
    l.meanPrefillMs.toFixed(1),
    l.meanGflops.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const numeric = new Set([2, 5, 6, 7, 8, 9, 10]);
  const fmt = (row: string[]): string => row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}
