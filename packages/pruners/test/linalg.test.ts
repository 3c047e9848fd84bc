import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion } from '../src/linalg/apportion.ts';
import { cosineCrossTs, cosineTs, matmulTs } from '../src/linalg/cosine.ts';
import { topK, topKSet } from '../src/linalg/select.ts';
import { addGroupsInOrder, anyNonFinite, rowSumsOfSquares, SIMD_MIN_LENGTH, simdKernelsAvailable } from '../src/linalg/simd.ts';

describe('linalg helpers', () => {
  it('topKSet picks the same set as topK, ties to the lower index', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 40 }), fc.nat(45), (values, k) => {
        const among = Array.from({ length: values.length }, (_, i) => i);
        expect([...topKSet(values, among, k)].sort((a, b) => a - b)).toEqual([...topK(values, among, k)].sort((a, b) => a - b));
      }),
    );
    expect([...topK([1, 3, 3, 2, 3], [0, 1, 2, 3, 4], 2)]).toEqual([1, 2]);
  });

  it('topK equals a full sort by score, then index, over any subset with ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 200 }), fc.nat(220), fc.nat(), (values, k, mask) => {
        const among = values.map((_, i) => i).filter((i) => ((mask >>> (i % 31)) & 1) === 1 || i % 2 === 0);
        const sorted = [...among].sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
        expect([...topK(values, among, k)]).toEqual(sorted.slice(0, Math.max(0, k)));
      }),
    );
  });

  it('topK over float32 scores equals a full sort, negatives, zeros and ties included', () => {
    const value = fc.oneof(fc.constantFrom(0, -0, 1, -1, 0.5, -2.5e-30, 3e30), fc.float({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.nat(320), fc.nat(), (raw, k, mask) => {
        const values = Float32Array.from(raw);
        const among = Array.from(values, (_, i) => i).filter((i) => ((mask >>> (i % 31)) & 1) === 1 || i % 3 === 0);
        const sorted = [...among].sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
        expect([...topK(values, among, k)]).toEqual(sorted.slice(0, Math.max(0, k)));
        expect([...topKSet(values, among, k)].sort((a, b) => a - b)).toEqual(sorted.slice(0, Math.max(0, k)).sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });

  it('topKSet from a sample (1,024+ candidates) equals a full sort, also where the sample misleads it', () => {
    const bySort = (values: ArrayLike<number>, among: number[], k: number) =>
      [...among].sort((a, b) => (values[b] as number) - (values[a] as number) || a - b).slice(0, Math.max(0, k)).sort((a, b) => a - b);
    const shapes = fc.constantFrom('ties', 'floats', 'strided', 'sorted');
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: 4000 }), fc.nat(), fc.nat(), shapes, fc.boolean(), (n, kSeed, seed, shape, reversed) => {
        let state = seed | 1;
        const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
        // 'strided' plants large values exactly where a 256-point strided sample looks, so its bracket is wrong.
        const stride = n / 256;
        const values = Float32Array.from({ length: n }, (_, i) =>
          shape === 'ties' ? Math.floor(next() * 4) : shape === 'floats' ? next() - 0.5
            : shape === 'sorted' ? i : Number.isInteger((i / stride) - 0.5) || Math.floor(i % stride) === Math.floor(stride / 2) ? 1000 : next());
        const among = Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 3);
        if (reversed) among.reverse();
        const k = 1 + (kSeed % among.length);
        const picked = topKSet(values, among, k);
        expect([...picked].sort((a, b) => a - b)).toEqual(bySort(values, among, k));
        if (!reversed) expect([...picked]).toEqual([...picked].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });
  it('apportion sums to the total within the caps', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ w: fc.double({ min: 0, max: 5, noNaN: true }), cap: fc.nat(6) }), { minLength: 1, maxLength: 12 }), fc.nat(80), (parts, want) => {
        const caps = parts.map((p) => p.cap);
        const total = Math.min(want, caps.reduce((a, b) => a + b, 0));
        const got = apportion(total, parts.map((p) => p.w), caps);
        expect(got.reduce((a, b) => a + b, 0)).toBe(total);
        got.forEach((g, j) => expect(g).toBeLessThanOrEqual(caps[j] as number));
      }),
    );
  });

  it('the pure-TS cosine matches a direct computation (odd sizes, zero rows)', () => {
    const n = 7, d = 5;
    const a = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7));
    a.fill(0, 2 * d, 3 * d);
    const direct = (x: Float32Array, i: number, y: Float32Array, j: number) => {
      let dot = 0, nx = 0, ny = 0;
      for (let k = 0; k < d; k++) { dot += (x[i * d + k] as number) * (y[j * d + k] as number); nx += (x[i * d + k] as number) ** 2; ny += (y[j * d + k] as number) ** 2; }
      return nx > 0 && ny > 0 ? dot / Math.sqrt(nx * ny) : 0;
    };
    const full = cosineTs(a, n, d);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(full[i * n + j]).toBeCloseTo(direct(a, i, a, j), 5);
    const b = a.subarray(0, 3 * d);
    const cross = cosineCrossTs(a, n, b, 3, d);
    for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) expect(cross[i * 3 + j]).toBeCloseTo(direct(a, i, b, j), 5);
  });

  it('the pure-TS matrix product matches a direct computation', () => {
    const rows = 3, inner = 7, cols = 4;
    const a = Float32Array.from({ length: rows * inner }, (_, i) => Math.sin(i * 0.9));
    const b = Float32Array.from({ length: inner * cols }, (_, i) => Math.cos(i * 1.3));
    const got = matmulTs(a, rows, inner, b, cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) sum += (a[i * inner + k] as number) * (b[k * cols + j] as number);
        expect(got[i * cols + j]).toBeCloseTo(sum, 6);
      }
    }
  });

  describe('SIMD kernels (the same results as the scalar loops)', () => {
    const wave = (length: number, phase: number) => Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + phase) * 3);

    it('are compiled here, so the tests below exercise them and not the scalar fallback', () => {
      expect(simdKernelsAvailable()).toBe(true);
    });

    it('anyNonFinite finds NaN and +-Infinity anywhere: first, chunk edges, the scalar tail, last', () => {
      const length = 3 * 65536 + 13; // three whole chunks and a tail that is not a multiple of 16
      const a = wave(length, 1);
      expect(anyNonFinite(a)).toBe(false);
      for (const at of [0, 15, 16, 65535, 65536, 2 * 65536 + 7, 3 * 65536 - 1, 3 * 65536, length - 1]) {
        for (const bad of [Number.NaN, Infinity, -Infinity]) {
          a[at] = bad;
          expect(anyNonFinite(a)).toBe(true);
          a[at] = 1;
        }
      }
      a[100] = 3.4e38; // the largest float32 magnitudes and subnormals are finite
      a[101] = -3.4e38;
      a[102] = 1e-45;
      expect(anyNonFinite(a)).toBe(false);
      const small = wave(SIMD_MIN_LENGTH - 1, 2);
      small[5] = Number.NaN;
      expect(anyNonFinite(small)).toBe(true);
      // The scalar path sums in four lanes: every position of short arrays, the unrolled part and the tail.
      for (let length = 1; length <= 9; length++) {
        const short = Float32Array.from({ length }, (_, i) => (i % 2 === 0 ? 3.4e38 : -1e-45));
        expect(anyNonFinite(short)).toBe(false);
        for (let at = 0; at < length; at++) {
          for (const bad of [Number.NaN, Infinity, -Infinity]) {
            const copy = short.slice();
            copy[at] = bad;
            expect(anyNonFinite(copy)).toBe(true);
          }
        }
      }
    });

    it('rowSumsOfSquares equals the sequential float64 sums to rounding, and gives the same float32 norms', () => {
      for (const [n, d] of [[40, 4096], [300, 128], [50, 1027]] as const) {
        const a = wave(n * d, 3);
        a.fill(0, d, 2 * d);
        const got = rowSumsOfSquares(a, n, d);
        for (let i = 0; i < n; i++) {
          let sum = 0;
          for (let k = 0; k < d; k++) sum += (a[i * d + k] as number) ** 2;
          expect(Math.abs((got[i] as number) - sum)).toBeLessThanOrEqual(sum * 1e-12);
          expect(Math.fround(Math.sqrt(got[i] as number))).toBe(Math.fround(Math.sqrt(sum)));
        }
        expect(got[1]).toBe(0);
      }
    });

    it('addGroupsInOrder adds each group in order with float32 rounding, bit for bit', () => {
      for (const [rows, d, groups] of [[400, 1024, 7], [30, 4096, 3], [90, 1027, 4]] as const) {
        const source = wave(rows * d, 4);
        const order = Int32Array.from({ length: rows }, (_, r) => ((r * 37) % rows) * d);
        const groupStart = Int32Array.from({ length: groups + 1 }, (_, g) => Math.floor((g * rows) / groups));
        const sums = wave(groups * d, 5);
        const want = sums.slice();
        for (let g = 0; g < groups; g++) {
          for (let r = groupStart[g] as number; r < (groupStart[g + 1] as number); r++) {
            for (let k = 0; k < d; k++) want[g * d + k] = (want[g * d + k] as number) + (source[(order[r] as number) + k] as number);
          }
        }
        addGroupsInOrder(sums, source, order, groupStart, d);
        expect(sums).toEqual(want);
      }
    });
  });
});
