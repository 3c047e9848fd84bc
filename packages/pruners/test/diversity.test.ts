import { describe, expect, it } from 'vitest';
import { prune } from '../src/index.ts';
import { angle, gridLayout, list, randomArray, rng, rowsOf } from './helpers.ts';

describe('divprune', () => {
  it('picks the token farthest from its nearest neighbour, then the farthest from the kept set', () => {
    // Angles 0, 5, 10, 120, 240 deg. Nearest-neighbour distances: 240 has 120 deg to both others (largest) ->
    // first pick 4. Farthest from 240: 10 deg (130 deg away) -> 2. Then 120 (min 110 deg) -> 3.
    const input = { tokens: rowsOf([angle(0), angle(5), angle(10), angle(120), angle(240)]), n: 5, d: 2, layout: gridLayout(1, 5) };
    expect(list(prune('divprune', input, { keep: 3 }).keep)).toEqual([2, 3, 4]);
  });

  it('never keeps both copies of a duplicate while distinct tokens remain', () => {
    const next = rng(11);
    const base = Array.from({ length: 6 }, () => Array.from(randomArray(6, next)));
    const vectors = [...base, ...base.map((v) => v.map((x) => x * 2))]; // each direction twice
    const { keep } = prune('divprune', { tokens: rowsOf(vectors), n: 12, d: 6, layout: gridLayout(3, 4) }, { keep: 6 });
    expect(new Set(list(keep).map((i) => i % 6)).size).toBe(6);
  });
});

/** Determinant of a small symmetric matrix by Gaussian elimination. */
function det(m: number[][]): number {
  const a = m.map((row) => [...row]);
  let out = 1;
  for (let c = 0; c < a.length; c++) {
    let p = c;
    for (let r = c + 1; r < a.length; r++) if (Math.abs(a[r]?.[c] ?? 0) > Math.abs(a[p]?.[c] ?? 0)) p = r;
    if (p !== c) { [a[p], a[c]] = [a[c] ?? [], a[p] ?? []]; out = -out; }
    const pivot = a[c]?.[c] ?? 0;
    if (pivot === 0) return 0;
    out *= pivot;
    for (let r = c + 1; r < a.length; r++) {
      const f = (a[r]?.[c] ?? 0) / pivot;
      for (let k = c; k < a.length; k++) (a[r] as number[])[k] = (a[r]?.[k] ?? 0) - f * (a[c]?.[k] ?? 0);
    }
  }
  return out;
}

describe('cdpruner', () => {
  const relevanceInput = (vectors: number[][], clip: number[][], text: number[]) => ({
    tokens: rowsOf(vectors), n: vectors.length, d: vectors[0]?.length ?? 0, layout: gridLayout(1, vectors.length),
    signals: { clipImageEmbeds: rowsOf(clip), clipTextEmbed: Float32Array.from(text), dClip: text.length },
  });

  it('trades relevance against diversity: two relevant duplicates lose to a relevant distinct token', () => {
    // Tokens 0, 1 identical and most relevant; token 2 distinct, almost as relevant; token 3 irrelevant.
    const input = relevanceInput(
      [angle(0), angle(0), angle(90), angle(45)],
      [angle(0), angle(0), angle(10), angle(90)],
      angle(0),
    );
    expect(list(prune('cdpruner', input, { keep: 2 }).keep)).toEqual([0, 2]);
    expect(list(prune('fastv', { ...input, signals: { lastTokenAttention: Float32Array.from([1, 0.99, 0.98, 0]) } }, { keep: 2 }).keep)).toEqual([0, 1]);
  });

  it('each greedy step adds the token that maximises det(L_S)', () => {
    const next = rng(21);
    const n = 7, d = 5;
    const tokens = randomArray(n * d, next);
    const clip = randomArray(n * 3, next);
    const text = randomArray(3, next);
    const input = { tokens, n, d, layout: gridLayout(1, n), signals: { clipImageEmbeds: clip, clipTextEmbed: text, dClip: 3 } };
    const result = prune('cdpruner', input, { keep: 4 });
    const q = Array.from(result.scores ?? []);
    const unit = (i: number) => {
      const v = Array.from(tokens.subarray(i * d, i * d + d));
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const kernel = (i: number, j: number) => (q[i] ?? 0) * (q[j] ?? 0) * unit(i).reduce((s, x, k) => s + x * (unit(j)[k] ?? 0), 0);
    const detOf = (set: number[]) => det(set.map((i) => set.map((j) => kernel(i, j))));
    // Replay the greedy choice with determinants and compare with the kept set.
    const chosen: number[] = [];
    for (let t = 0; t < 4; t++) {
      let best = -1, bestDet = -Infinity;
      for (let i = 0; i < n; i++) {
        if (chosen.includes(i)) continue;
        const value = detOf([...chosen, i]);
        if (value > bestDet) { best = i; bestDet = value; }
      }
      chosen.push(best);
    }
    expect(list(result.keep)).toEqual(chosen.sort((a, b) => a - b));
  });

  it('picks like the item-by-item greedy when the candidates outnumber a panel pool', () => {
    // 300 tokens, keep 120, d = 160 (the kernel's rank does not run out). The first 120 are near-copies of one
    // direction and the most relevant, so a panel's pool (96 items) is all copies: after one of them is picked the
    // others' gains collapse, and the gain bound must end the panel there, where the plain eager algorithm (every
    // item's gain updated after each pick) turns to the other 18 clusters outside the pool.
    const next = rng(5);
    const n = 300, d = 160, dClip = 6, keep = 120;
    const centres = Array.from({ length: 19 }, () => Array.from(randomArray(d, next)));
    const cluster = (i: number) => (i < 120 ? 0 : 1 + (i % 18));
    const tokens = rowsOf(Array.from({ length: n }, (_, i) => (centres[cluster(i)] ?? []).map((x) => x + (i < 120 ? 0.02 : 0.3) * next())));
    const text = randomArray(dClip, next);
    const clip = rowsOf(Array.from({ length: n }, (_, i) => Array.from(text, (x) => (i < 120 ? x + 0.05 * next() : next()))));
    const input = { tokens, n, d, layout: gridLayout(15, 20), signals: { clipImageEmbeds: clip, clipTextEmbed: text, dClip } };
    const result = prune('cdpruner', input, { keep });
    const q = Array.from(result.scores ?? []);
    const unit = Array.from({ length: n }, (_, i) => {
      const v = Array.from(tokens.subarray(i * d, i * d + d));
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
    const kernelRows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (q[i] ?? 0) * (q[j] ?? 0) * (unit[i] ?? []).reduce((s, x, k) => s + x * (unit[j]?.[k] ?? 0), 0)));
    const kernel = (i: number, j: number) => kernelRows[i]?.[j] ?? 0;
    const gains = Array.from({ length: n }, (_, i) => kernel(i, i));
    const factor: number[][] = Array.from({ length: n }, () => []);
    const chosen: number[] = [];
    for (let t = 0; t < keep; t++) {
      let best = -1;
      for (let i = 0; i < n; i++) if (!chosen.includes(i) && (best < 0 || (gains[i] ?? 0) > (gains[best] ?? 0))) best = i;
      chosen.push(best);
      const norm = Math.sqrt(gains[best] ?? 0);
      for (let i = 0; i < n; i++) {
        const explained = (factor[i] ?? []).reduce((s, x, v) => s + x * (factor[best]?.[v] ?? 0), 0);
        const e = (kernel(best, i) - explained) / norm;
        factor[i]?.push(e);
        gains[i] = (gains[i] ?? 0) - e * e;
      }
    }
    expect(list(result.keep)).toEqual(chosen.sort((a, b) => a - b));
  });
});
