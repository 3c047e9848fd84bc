import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion } from '../src/linalg/apportion.ts';
import { cosineCrossTs, cosineTs, matmulTs } from '../src/linalg/cosine.ts';
import { topK, topKSet } from '../src/linalg/select.ts';

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
});
