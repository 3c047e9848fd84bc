import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bootstrapMean } from '../../src/lib/stats/bootstrap.ts';
import { relativePerformance, retentionArea } from '../../src/lib/stats/retention.ts';

describe('bootstrapMean', () => {
  it('returns the sample mean inside its band, and the same band for the same seed', () => {
    const scores = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const a = bootstrapMean(scores, { seed: 7 });
    const b = bootstrapMean(scores, { seed: 7 });
    expect(a).toEqual(b);
    expect(a.mean).toBeCloseTo(67 / 200, 10);
    expect(a.low).toBeLessThan(a.mean);
    expect(a.high).toBeGreaterThan(a.mean);
    // Binomial standard error is ~0.033, so a 95% band is about +-0.065 wide.
    expect(a.high - a.low).toBeGreaterThan(0.08);
    expect(a.high - a.low).toBeLessThan(0.18);
  });

  it('collapses to a point for constant scores and handles empty input', () => {
    expect(bootstrapMean([0.5, 0.5, 0.5])).toMatchObject({ mean: 0.5, low: 0.5, high: 0.5, n: 3 });
    expect(Number.isNaN(bootstrapMean([]).mean)).toBe(true);
  });

  it('keeps the band within the range of the data', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 60 }), (scores) => {
        const band = bootstrapMean(scores, { resamples: 50 });
        const min = Math.min(...scores);
        const max = Math.max(...scores);
        return band.low >= min - 1e-12 && band.high <= max + 1e-12 && band.low <= band.high;
      }),
    );
  });
});

describe('relativePerformance', () => {
  it('averages pruned / full over benchmarks that have a reference', () => {
    const full = new Map([['gqa', 0.6], ['pope', 0.8], ['mme', 0]]);
    const result = relativePerformance(
      [{ benchmark: 'gqa', score: 0.3 }, { benchmark: 'pope', score: 0.8 }, { benchmark: 'mme', score: 0.5 }, { benchmark: 'x', score: 1 }],
      full,
    );
    expect(result.benchmarks).toBe(2);
    expect(result.relative).toBeCloseTo(0.75, 12);
  });
});

describe('retentionArea', () => {
  it('is 1 for a method that keeps full performance and lower for one that decays', () => {
    expect(retentionArea([{ keepRatio: 0.25, relative: 1 }, { keepRatio: 0.5, relative: 1 }])).toBeCloseTo(1, 12);
    // Linear from 0.5 at 25% to 1 at 100%: mean height 0.75.
    expect(retentionArea([{ keepRatio: 0.25, relative: 0.5 }])).toBeCloseTo(0.75, 12);
    expect(Number.isNaN(retentionArea([]))).toBe(true);
  });
});
