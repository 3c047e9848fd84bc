import { describe, expect, it } from 'vitest';
import { prune } from '../src/index.ts';
import { angle, gridLayout, list, nextLayout, randomInput, rowsOf } from './helpers.ts';

describe('random', () => {
  it('is reproducible per seed and varies across seeds', () => {
    const input = randomInput(36, 4, gridLayout(6, 6), 1);
    const a = prune('random', input, { keep: 9, seed: 7 });
    expect(list(prune('random', input, { keep: 9, seed: 7 }).keep)).toEqual(list(a.keep));
    expect(list(prune('random', input, { keep: 9, seed: 8 }).keep)).not.toEqual(list(a.keep));
  });
});

describe('uniform', () => {
  it('keeps an even raster stride', () => {
    const input = randomInput(36, 4, gridLayout(6, 6), 1);
    // floor((t + 0.5) * 36 / 6) for t = 0..5
    expect(list(prune('uniform', input, { keep: 6 }).keep)).toEqual([3, 9, 15, 21, 27, 33]);
  });

  it('splits the budget by view size and keeps the newlines', () => {
    const { layout, n } = nextLayout(2, 2, 4); // base 2x2 = 4 tokens, high-res 2x4 = 8 tokens + 2 newlines
    const input = randomInput(n, 4, layout, 2);
    const { keep } = prune('uniform', input, { keep: 2 + 6 });
    const base = list(keep).filter((i) => i < 4);
    expect(base).toHaveLength(2);
    expect(list(keep)).toEqual(expect.arrayContaining([8, 13]));
  });
});

describe('fastv and fastervlm', () => {
  it('keep the top attention tokens', () => {
    const input = randomInput(9, 2, gridLayout(3, 3), 3);
    const attention = Float32Array.from([0.1, 0.9, 0.2, 0.3, 0.05, 0.8, 0.4, 0.0, 0.7]);
    input.signals = { ...input.signals, lastTokenAttention: attention, clsAttention: attention };
    expect(list(prune('fastv', input, { keep: 3 }).keep)).toEqual([1, 5, 8]);
    expect(list(prune('fastervlm', input, { keep: 3 }).keep)).toEqual([1, 5, 8]);
  });
});

describe('visionzip', () => {
  it('keeps dominant tokens and merges the rest into stride targets by mean', () => {
    // 8 tokens, keep 4 with half dominant: dominant = top-2 CLS attention (tokens 6, 7).
    // Remaining [0..5], 2 targets at stride floor(6 / 2) = 3: tokens 0 and 3.
    // Tokens 1, 2 point like 0 (angle 0-10 deg), 4, 5 like 3 (90 deg), so groups {0,1,2} and {3,4,5}.
    const vectors = [angle(0, 2, 1), angle(5, 2, 2), angle(10, 2, 3), angle(90, 2, 1), angle(85, 2, 1), angle(95, 2, 4), angle(200), angle(300)];
    const input = {
      tokens: rowsOf(vectors), n: 8, d: 2, layout: gridLayout(2, 4),
      signals: { clsAttention: Float32Array.from([0, 0, 0, 0, 0, 0, 1, 2]) },
    };
    const result = prune('visionzip', input, { keep: 4, params: { dominantRatio: 0.5 } });
    expect(list(result.keep)).toEqual([0, 3, 6, 7]);
    const mean = (rows: number[]) => [0, 1].map((k) => rows.reduce((s, r) => s + (vectors[r]?.[k] ?? 0), 0) / rows.length);
    const got = Array.from(result.tokens ?? []);
    expect(got.slice(0, 2)).toEqual(mean([0, 1, 2]).map((v) => expect.closeTo(v, 5)));
    expect(got.slice(2, 4)).toEqual(mean([3, 4, 5]).map((v) => expect.closeTo(v, 5)));
    expect(got.slice(4, 6)).toEqual(vectors[6]?.map((v) => expect.closeTo(v, 5)));
    expect(result.info).toMatchObject({ dominant: 2, contextual: 2 });
  });

  it('never writes into the input tokens (contiguous targets are merged into a copy)', () => {
    const input = randomInput(16, 3, gridLayout(4, 4), 6);
    const before = Float32Array.from(input.tokens);
    prune('visionzip', input, { keep: 15, params: { dominantRatio: 0 } }); // targets 0..14: one consecutive run
    expect(Array.from(input.tokens)).toEqual(Array.from(before));
  });

  it('with packTokens false, leaves out the packed tokens but returns the same keep and merged features', () => {
    const input = randomInput(144, 4, gridLayout(12, 12), 5);
    const packed = prune('visionzip', input, { keep: 64 });
    const unpacked = prune('visionzip', input, { keep: 64, packTokens: false });
    expect(unpacked.tokens).toBeUndefined();
    expect(list(unpacked.keep)).toEqual(list(packed.keep));
    expect(list(unpacked.merged?.indices ?? new Int32Array())).toEqual(list(packed.merged?.indices ?? new Int32Array()));
    const d = input.d;
    (packed.merged?.indices ?? []).forEach((token, m) => {
      const row = packed.keep.indexOf(token);
      expect(Array.from(unpacked.merged?.features.subarray(m * d, m * d + d) ?? []))
        .toEqual(Array.from(packed.tokens?.subarray(row * d, row * d + d) ?? []));
    });
    expect(() => prune('visionzip', input, { keep: 64, packTokens: 'no' as unknown as boolean })).toThrow(/^packTokens: must be a boolean/);
  });

  it('uses 54 of 64 dominant tokens by default', () => {
    const input = randomInput(144, 4, gridLayout(12, 12), 4);
    expect(prune('visionzip', input, { keep: 64 }).info).toMatchObject({ dominant: 54, contextual: 10 });
  });
});

describe('dart', () => {
  it('keeps the image pivot and, per pivot, the least similar tokens', () => {
    // Hidden states on the circle; token 0 has the largest key norm -> image pivot at 0 deg.
    // Text pivot at 90 deg. Budget 5: pivot + 2 per pivot.
    const degrees = [0, 20, 40, 170, 180, 260, 270, 300];
    const hidden = rowsOf(degrees.map((a) => angle(a)));
    const input = {
      tokens: hidden, n: 8, d: 2, layout: gridLayout(2, 4),
      signals: {
        hiddenStates: hidden, textHiddenStates: rowsOf([angle(90), angle(45)]), nText: 2,
        keyNorms: Float32Array.from([9, 1, 1, 1, 1, 1, 1, 1, 5, 1]),
      },
    };
    const result = prune('dart', input, { keep: 5, params: { imagePivots: 1, textPivots: 1 } });
    // Image pivot (0 deg): least similar are 180 and 170. Text pivot (90 deg): 270 and 260.
    expect(list(result.keep)).toEqual([0, 3, 4, 5, 6]);
  });
});
