import { describe, expect, it } from 'vitest';
import { prune } from '../src/index.ts';
import { cosineTs } from '../src/linalg/cosine.ts';
import { angle, gridLayout, list, nextLayout, randomInput, rowsOf } from './helpers.ts';

describe('gprune', () => {
  it('divides by degree: a distinct token beats a member of a redundant region of equal norm', () => {
    // Tokens 0-3 identical (degree 4, row of P uniform -> S stays 1 -> score 1/4); tokens 4-7 mutually
    // orthogonal (degree 1 -> score 1).
    const d = 8;
    const vectors = [0, 1, 2, 3].map(() => [1, 0, 0, 0, 0, 0, 0, 0]).concat([1, 2, 3, 4].map((k) => Array.from({ length: d }, (_, j) => (j === k ? 1 : 0))));
    const result = prune('gprune', { tokens: rowsOf(vectors), n: 8, d, layout: gridLayout(2, 4) }, { keep: 4 });
    expect(list(result.keep)).toEqual([4, 5, 6, 7]);
    expect(result.scores?.[0]).toBeCloseTo(0.25, 5);
    expect(result.scores?.[4]).toBeCloseTo(1, 5);
  });

  it('scales by feature norm among otherwise equal tokens', () => {
    const d = 4;
    const vectors = [0, 1, 2, 3].map((k) => Array.from({ length: d }, (_, j) => (j === k ? [1, 5, 2, 3][k] ?? 0 : 0)));
    expect(list(prune('gprune', { tokens: rowsOf(vectors), n: 4, d, layout: gridLayout(2, 2) }, { keep: 2 }).keep)).toEqual([1, 3]);
  });

  it('propagates norm mass along edges: a token with a heavy neighbour outranks one with a light neighbour', () => {
    // Pairs (0,1) and (2,3) at 50 deg (cos 0.64 >= 0.5: an edge), pairs orthogonal to each other.
    // Token 1 has norm 10, token 3 norm 1; tokens 0 and 2 both norm 1 and degree 2.
    const tokens = rowsOf([
      [...angle(0), 0, 0], [...angle(50, 2, 10), 0, 0],
      [0, 0, ...angle(0)], [0, 0, ...angle(50)],
    ]);
    const input = { tokens, n: 4, d: 4, layout: gridLayout(1, 4) };
    const spread = prune('gprune', input, { keep: 1 }).scores ?? new Float32Array(4);
    expect(spread[0]).toBeGreaterThan(spread[2] as number);
    const still = prune('gprune', input, { keep: 1, params: { iterations: 0 } }).scores ?? new Float32Array(4);
    expect(still[0]).toBeCloseTo(still[2] as number, 6);
  });

  it('builds one graph per view with the same keep ratio, newlines always kept', () => {
    const { layout, n } = nextLayout(4, 4, 6); // 16 base + 24 high-res + 4 newlines
    const result = prune('gprune', randomInput(n, 8, layout, 9), { keep: 4 + 10 });
    const keep = list(result.keep);
    expect(keep.filter((i) => i < 16)).toHaveLength(4); // 10 * 16/40
    expect(keep).toEqual(expect.arrayContaining(layout.alwaysKeep ?? []));
    expect(result.info.graphs).toBe(2);
  });

  it('survives an all-zero token (a row with every edge removed stays a valid distribution)', () => {
    const tokens = rowsOf([[0, 0], angle(0), angle(90), angle(180)]);
    const result = prune('gprune', { tokens, n: 4, d: 2, layout: gridLayout(2, 2) }, { keep: 2 });
    expect(Array.from(result.scores ?? []).every(Number.isFinite)).toBe(true);
  });

  it('the shift edge variant removes edges at exactly s', () => {
    const tokens = rowsOf([angle(0), angle(60), angle(180)]); // cos(60 deg) = 0.5
    const input = { tokens, n: 3, d: 2, layout: gridLayout(1, 3) };
    const kept = prune('gprune', input, { keep: 3 }).scores ?? new Float32Array(3);
    const shift = prune('gprune', input, { keep: 3, params: { edge: 'shift' } }).scores ?? new Float32Array(3);
    expect(kept[0]).toBeLessThan(1); // threshold: cos >= 0.5 keeps the edge, degree 2
    expect(shift[0]).toBeCloseTo(1, 6); // shift: max(0, 0.5 - 0.5) = 0 removes it, degree 1
  });

  it('the sparse transition from the upper triangle gives the scores of the dense softmax (sparse and dense rows)', () => {
    // Dense reference in float64, written from the spec: C, logits C / tau with removed edges at -5000, row
    // softmax, degree = non-zeros of P, S <- P S five times from the row norms, score S / degree.
    const n = 40, d = 6;
    const input = randomInput(n, d, gridLayout(5, 8), 21);
    input.tokens.fill(0, 7 * d, 8 * d); // an all-zero token: no edge at all, a dense row
    const c = cosineTs(input.tokens, n, d);
    for (const params of [{}, { threshold: 0.2 }, { edge: 'shift' as const, threshold: 0.1 }, { tau: 3000, threshold: 0.3 }]) {
      const threshold = params.threshold ?? 0.5, tau = params.tau ?? 0.03, shift = params.edge === 'shift';
      const p: number[][] = [];
      for (let i = 0; i < n; i++) {
        const logits = Array.from({ length: n }, (_, j) => {
          const cos = c[i * n + j] as number;
          return (shift ? cos > threshold : cos >= threshold) ? (shift ? cos - threshold : cos) / tau : -5000;
        });
        const max = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - max));
        const sum = e.reduce((a, b) => a + b, 0);
        p.push(e.map((v) => Math.fround(v / sum)));
      }
      let s = Array.from({ length: n }, (_, i) => Math.hypot(...input.tokens.subarray(i * d, i * d + d)));
      for (let it = 0; it < 5; it++) s = p.map((row) => row.reduce((acc, v, j) => acc + v * (s[j] as number), 0));
      const want = s.map((v, i) => v / (p[i] as number[]).filter((x) => x !== 0).length);
      const got = prune('gprune', input, { keep: 10, params }).scores ?? new Float32Array(n);
      want.forEach((v, i) => expect(got[i] as number).toBeCloseTo(v, 4));
    }
  });
});
