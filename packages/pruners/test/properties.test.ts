import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHOD_IDS, methods, prune, pruneAsync, tsLinalg, type PruneInput } from '../src/index.ts';
import { gridLayout, list, nextLayout, randomInput } from './helpers.ts';

const layouts = fc.oneof(
  fc.record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 6 }) }).map(({ rows, cols }) => ({ layout: gridLayout(rows, cols), n: rows * cols })),
  fc.record({ base: fc.integer({ min: 1, max: 3 }), rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 4 }) }).map(({ base, rows, cols }) => nextLayout(base, rows, cols)),
);
const cases = fc.record({ shape: layouts, seed: fc.integer({ min: 1, max: 1_000_000 }), fraction: fc.double({ min: 0, max: 1, noNaN: true }), d: fc.integer({ min: 1, max: 5 }) });

describe.each(METHOD_IDS)('%s properties', (id) => {
  it('keeps exactly `keep` unique sorted in-range indices including alwaysKeep, deterministically', () => {
    fc.assert(
      fc.property(cases, ({ shape, seed, fraction, d }) => {
        const input = randomInput(shape.n, d, shape.layout, seed);
        const always = shape.layout.alwaysKeep ?? [];
        const keep = Math.max(1, always.length) + Math.round(fraction * (shape.n - Math.max(1, always.length)));
        const result = prune(id, input, { keep, seed });
        const kept = list(result.keep);
        expect(kept).toHaveLength(keep);
        kept.forEach((i, t) => {
          expect(i).toBeGreaterThanOrEqual(0);
          expect(i).toBeLessThan(shape.n);
          if (t > 0) expect(i).toBeGreaterThan(kept[t - 1] as number);
        });
        expect(kept).toEqual(expect.arrayContaining(always));
        expect(list(prune(id, input, { keep, seed }).keep)).toEqual(kept);
        if (methods[id].merges) expect(result.tokens).toHaveLength(keep * d);
      }),
      { numRuns: 40 },
    );
  });

  it('keep = n returns everything', () => {
    const { layout, n } = nextLayout(3, 3, 4);
    expect(list(prune(id, randomInput(n, 3, layout, 3), { keep: n }).keep)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('pruneAsync gives the same result as prune', async () => {
    const input = randomInput(30, 4, gridLayout(5, 6), 17);
    const asyncBackend = {
      name: 'async-ts',
      cosine: async (a: Float32Array, n: number, d: number) => tsLinalg.cosine(a, n, d),
      cosineUpper: async (a: Float32Array, n: number, d: number) => tsLinalg.cosineUpper(a, n, d),
      cosineCross: async (a: Float32Array, na: number, b: Float32Array, nb: number, d: number) => tsLinalg.cosineCross(a, na, b, nb, d),
      dotCross: async (a: Float32Array, na: number, b: Float32Array, nb: number, d: number) => tsLinalg.dotCross(a, na, b, nb, d),
      matmul: async (a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number) => tsLinalg.matmul(a, rows, inner, b, cols),
    };
    const sync = prune(id, input, { keep: 11 });
    const viaAsync = await pruneAsync(id, input, { keep: 11 }, asyncBackend);
    expect(list(viaAsync.keep)).toEqual(list(sync.keep));
  });
});

/**
 * Methods that never look at positions: permuting the tokens (and every per-token signal) permutes the result.
 * DivPrune is position-free too, but its first pick always ties (two mutual nearest neighbours share the same
 * nearest-neighbour distance) and the tie goes to the earlier token, so it is equivariant only up to that tie.
 */
const positionFree: Array<[string, Record<string, unknown>]> = [
  ['fastv', {}], ['fastervlm', {}], ['cdpruner', {}], ['gprune', {}], ['dart', {}], ['d2pruner', { beta: 1 }],
];

function permuteInput(input: PruneInput, perm: number[]): PruneInput {
  const rows = (a: Float32Array | undefined, width: number, extra = 0) => {
    if (!a) return a;
    const out = new Float32Array(a.length);
    perm.forEach((old, p) => out.set(a.subarray(old * width, old * width + width), p * width));
    if (extra > 0) out.set(a.subarray(perm.length * width), perm.length * width);
    return out;
  };
  const s = input.signals ?? {};
  const dClip = s.dClip ?? 0;
  return {
    ...input,
    tokens: rows(input.tokens, input.d) as Float32Array,
    signals: {
      ...s,
      clsAttention: rows(s.clsAttention, 1), lastTokenAttention: rows(s.lastTokenAttention, 1), attentionPrior: rows(s.attentionPrior, 1),
      clipImageEmbeds: rows(s.clipImageEmbeds, dClip), hiddenStates: rows(s.hiddenStates, input.d), keyNorms: rows(s.keyNorms, 1, s.nText ?? 0),
    },
  };
}

describe.each(positionFree)('%s is permutation-equivariant', (id, params) => {
  it('permuting the tokens permutes the kept set', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 19 }), (seed, keep) => {
        const n = 20;
        const input = randomInput(n, 4, gridLayout(1, n), seed);
        const perm = fc.sample(fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }), { numRuns: 1, seed })[0] ?? [];
        const before = new Set(list(prune(id, input, { keep, params }).keep));
        const after = list(prune(id, permuteInput(input, perm), { keep, params }).keep);
        expect(after.map((p) => perm[p]).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([...before]);
      }),
      { numRuns: 25 },
    );
  });
});
