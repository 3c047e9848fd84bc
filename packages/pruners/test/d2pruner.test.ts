import { describe, expect, it } from 'vitest';
import { prune } from '../src/index.ts';
import { gridLayout, list, randomArray, rng } from './helpers.ts';

function biasedInput(n: number, hidden: Float32Array, d: number) {
  // Positional bias: attention grows with the index, and the prior has learnt exactly that ramp.
  const prior = Float32Array.from({ length: n }, (_, i) => 0.01 * (i + 1));
  const attention = Float32Array.from(prior);
  attention[3] = 2 * (prior[3] as number); // one early token really is attended to
  return { tokens: hidden, n, d, layout: gridLayout(1, n), signals: { lastTokenAttention: attention, attentionPrior: prior, hiddenStates: hidden } };
}

describe('d2pruner', () => {
  it('debiasing overturns the positional bias', () => {
    const n = 10;
    const hidden = Float32Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)); // orthogonal
    const input = biasedInput(n, hidden, n);
    expect(list(prune('fastv', input, { keep: 1 }).keep)).toEqual([9]); // raw attention: the last token
    expect(list(prune('d2pruner', input, { keep: 1 }).keep)).toEqual([3]);
    // With k = 10 * 3: floor(0.7 * 3) = 2 pivots: token 3 (ratio 2) first.
    const result = prune('d2pruner', input, { keep: 3 });
    expect(list(result.keep)).toContain(3);
    expect(result.info).toMatchObject({ pivots: 2, independent: 1, filled: 0 });
  });

  it('never keeps two similar tokens among the non-pivots while the independent set lasts', () => {
    const next = rng(5);
    const n = 48, d = 8;
    // Six clusters of near-duplicates (cos > 0.8 inside a cluster, random directions across).
    const centers = Array.from({ length: 6 }, () => randomArray(d, next));
    const hidden = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) hidden[i * d + k] = (centers[i % 6]?.[k] ?? 0) + 0.02 * next();
    const attention = Float32Array.from({ length: n }, () => next() + 1);
    const input = { tokens: hidden, n, d, layout: gridLayout(6, 8), signals: { lastTokenAttention: attention, attentionPrior: new Float32Array(n).fill(1), hiddenStates: hidden } };
    const keep = 10; // 7 pivots, 3 from the independent set
    const result = prune('d2pruner', input, { keep });
    expect(result.info).toMatchObject({ pivots: 7, independent: 3, filled: 0 });
    expect(result.info.similarityRows).toBeLessThanOrEqual(16); // one chunk of rows, not all 41 x 41
    const order = list(result.keep).sort((a, b) => (attention[b] as number) - (attention[a] as number));
    const nonPivots = order.slice(7);
    const cos = (a: number, b: number) => {
      let dot = 0, na = 0, nb = 0;
      for (let k = 0; k < d; k++) {
        const x = hidden[a * d + k] as number, y = hidden[b * d + k] as number;
        dot += x * y; na += x * x; nb += y * y;
      }
      return dot / Math.sqrt(na * nb);
    };
    for (const a of nonPivots) for (const b of nonPivots) if (a !== b) expect(cos(a, b)).toBeLessThanOrEqual(0.8);
    expect(new Set(nonPivots.map((i) => i % 6)).size).toBe(3);
  });

  it('fills with the best leftovers when the independent set runs dry', () => {
    const n = 6;
    const hidden = new Float32Array(n * 2).fill(1); // all identical: one independent token only
    const attention = Float32Array.from([6, 5, 4, 3, 2, 1]);
    const input = { tokens: hidden, n, d: 2, layout: gridLayout(2, 3), signals: { lastTokenAttention: attention, attentionPrior: new Float32Array(n).fill(1), hiddenStates: hidden } };
    const result = prune('d2pruner', input, { keep: 4, params: { pivotRatio: 0 } });
    expect(list(result.keep)).toEqual([0, 1, 2, 3]);
    expect(result.info).toMatchObject({ pivots: 0, independent: 1, filled: 3 });
  });

  it('with beta = 0.5 suppresses only spatial neighbours (Chebyshev distance <= 2)', () => {
    const n = 25;
    const hidden = new Float32Array(n * 2).fill(1); // identical features: S = 0.5 + 0.5 * near
    const attention = Float32Array.from({ length: n }, (_, i) => n - i);
    const input = { tokens: hidden, n, d: 2, layout: gridLayout(5, 5), signals: { lastTokenAttention: attention, attentionPrior: new Float32Array(n).fill(1), hiddenStates: hidden } };
    const result = prune('d2pruner', input, { keep: 4, params: { pivotRatio: 0, beta: 0.5 } });
    // Visit order 0, 1, 2, ...: keep (0,0); (0,1)..(2,2) suppressed; next free is (0,3) = 3, then (3,0) = 15, (3,3) = 18.
    expect(list(result.keep)).toEqual([0, 3, 15, 18]);
  });
});
