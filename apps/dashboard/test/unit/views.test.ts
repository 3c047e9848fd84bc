import { describe, expect, it } from 'vitest';
import { ratesPerMinute } from '../../src/lib/queries/activity.ts';
import type { ScoreBin, SettingAggregate } from '../../src/lib/queries/settings.ts';
import { buildCurves } from '../../src/lib/views/curves.ts';
import { buildLeaderboard, leaderboardTable } from '../../src/lib/views/leaderboard.ts';

function aggregate(benchmark: string, method: string, keep: number, mean: number, policy = 'default'): SettingAggregate {
  return { benchmark, method, keep, policy, mean, n: 100, keepRatio: keep === 0 ? 1 : keep / 576, tokensBefore: 576, prefillMs: 10 + keep / 10, totalMs: 50, flops: keep * 1e9 };
}

const AGGREGATES: SettingAggregate[] = [
  aggregate('gqa', 'full', 0, 0.6),
  aggregate('pope', 'full', 0, 0.8),
  ...[192, 128, 64].flatMap((keep) => [
    aggregate('gqa', 'strong', keep, 0.57),
    aggregate('pope', 'strong', keep, 0.78),
    aggregate('gqa', 'weak', keep, 0.3 + keep / 1000),
    aggregate('pope', 'weak', keep, 0.4 + keep / 1000),
  ]),
  aggregate('gqa', 'strong', 288, 0.6),
  aggregate('pope', 'strong', 288, 0.8),
];

describe('buildLeaderboard', () => {
  it('ranks by mean relative performance over the standard budgets, with the full-token reference per benchmark', () => {
    const board = buildLeaderboard(AGGREGATES, { family: 'llava-1.5', budget: 'standard', rank: 'mean' });
    expect(board.columns.map((c) => c.keep)).toEqual([288, 192, 128, 64]);
    expect(board.rows.map((r) => r.method)).toEqual(['strong', 'weak']);
    expect(board.reference.get('gqa')?.mean).toBeCloseTo(0.6, 12);
    const strong192 = board.rows[0]?.cells.get(192);
    expect(strong192?.relative).toBeCloseTo((0.57 / 0.6 + 0.78 / 0.8) / 2, 12);
    expect(strong192?.benchmarks).toBe(2);
  });

  it('shows one budget when one is picked, and its table export has one column per shown budget', () => {
    const board = buildLeaderboard(AGGREGATES, { family: null, budget: 64, rank: 64 });
    expect(board.columns.map((c) => c.keep)).toEqual([64]);
    expect(board.family).toBe('llava-1.5'); // from 576 tokens before pruning
    const table = leaderboardTable(board, 'm');
    expect(table.columns).toEqual(['rank', 'model', 'method', 'policy', 'relative@64', 'mean_relative', 'auc']);
    expect(table.rows[0]?.[2]).toBe('strong');
  });

  it('ranks by area under the retention curve when asked', () => {
    const board = buildLeaderboard(AGGREGATES, { family: 'llava-1.5', budget: 'all', rank: 'auc' });
    const [first, second] = board.rows;
    expect(first?.auc).toBeGreaterThan(second?.auc ?? 1);
    expect(first?.auc).toBeLessThanOrEqual(1);
  });
});

describe('buildCurves', () => {
  it('draws one line per method sorted by keep ratio, bands from the score histograms, and the full-token point', () => {
    const bins: ScoreBin[] = [
      { method: 'full', keep: 0, policy: 'default', score: 1, count: 60 },
      { method: 'full', keep: 0, policy: 'default', score: 0, count: 40 },
      { method: 'strong', keep: 64, policy: 'default', score: 1, count: 57 },
      { method: 'strong', keep: 64, policy: 'default', score: 0, count: 43 },
    ];
    const lines = buildCurves(AGGREGATES.filter((a) => a.benchmark === 'gqa'), bins, 100);
    const full = lines.find((l) => l.reference);
    expect(full?.points).toHaveLength(1);
    expect(full?.points[0]?.interval.mean).toBeCloseTo(0.6, 12);
    const strong = lines.find((l) => l.method === 'strong');
    expect(strong?.points.map((p) => p.keep)).toEqual([64, 128, 192, 288]);
    const at64 = strong?.points[0]?.interval;
    expect(at64?.n).toBe(100);
    expect(at64?.low).toBeLessThan(0.57);
    expect(at64?.high).toBeGreaterThan(0.57);
  });
});

describe('ratesPerMinute', () => {
  const now = 10 * 60_000;
  it('counts results of the last five minutes per key', () => {
    const tail = [
      ...Array.from({ length: 50 }, (_, i) => ({ sweepId: 1, workerId: 'a', createdAt: now - i * 1000 })),
      ...Array.from({ length: 10 }, () => ({ sweepId: 2, workerId: 'b', createdAt: now - 8 * 60_000 })),
    ];
    const rates = ratesPerMinute(tail, (r) => r.sweepId, now);
    expect(rates.get(1)).toBeCloseTo(10, 12);
    expect(rates.has(2)).toBe(false);
  });

  it('uses the span the tail covers when the tail is shorter than the window', () => {
    const tail = Array.from({ length: 100 }, (_, i) => ({ sweepId: 1, workerId: 'a', createdAt: now - i * 600 }));
    const rates = ratesPerMinute(tail, (r) => r.workerId, now, 5 * 60_000, 100);
    // 100 results in 59.4 s
    expect(rates.get('a')).toBeCloseTo(100 / (59_400 / 60_000), 6);
  });
});
