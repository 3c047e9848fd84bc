import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxLinalg, type OnnxLinalg } from '../src/index.ts';

function naiveCosine(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < nb; j++) {
      let dot = 0, x2 = 0, y2 = 0;
      for (let k = 0; k < d; k++) {
        const x = a[i * d + k] as number, y = b[j * d + k] as number;
        dot += x * y; x2 += x * x; y2 += y * y;
      }
      out.push(dot / Math.max(Math.sqrt(x2), 1e-12) / Math.max(Math.sqrt(y2), 1e-12));
    }
  }
  return out;
}

const random = (length: number, seed: number) => Float32Array.from({ length }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.5);

describe('onnx linalg backend', () => {
  let backend: OnnxLinalg;
  beforeAll(async () => {
    backend = await createOnnxLinalg({ intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('computes the cosine matrix of the rows (all-zero rows give 0, not NaN)', async () => {
    const n = 17, d = 9;
    const a = random(n * d, 1);
    a.fill(0, 3 * d, 4 * d);
    const got = Array.from(await backend.cosine(a, n, d));
    const want = naiveCosine(a, n, a, n, d);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
    expect(got[3 * n + 3]).toBe(0);
  });

  it('assembles the symmetric matrix from upper row blocks (uneven block sizes)', async () => {
    const blocked = await createOnnxLinalg({ intraOpNumThreads: 1, symmetricBlocks: 3 });
    const n = 515, d = 6;
    const a = random(n * d, 4);
    const got = await blocked.cosine(a, n, d);
    const want = naiveCosine(a, n, a, n, d);
    let worst = 0;
    got.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - (want[i] as number))); });
    expect(worst).toBeLessThan(1e-5);
    await blocked.dispose();
  });

  it('packs the upper triangle of the same matrix row by row, from the blocks or from one product', async () => {
    const blocked = await createOnnxLinalg({ intraOpNumThreads: 1, symmetricBlocks: 3 });
    for (const [n, d, linalg] of [[515, 6, blocked], [17, 9, backend]] as const) {
      const a = random(n * d, 5);
      const full = await linalg.cosine(a, n, d);
      const upper = await linalg.cosineUpper(a, n, d);
      expect(upper).toHaveLength((n * (n + 1)) / 2);
      const want: number[] = [];
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) want.push(full[i * n + j] as number);
      expect(Array.from(upper)).toEqual(want);
    }
    await blocked.dispose();
  });

  it('computes the cross cosine matrix', async () => {
    const na = 5, nb = 11, d = 7;
    const a = random(na * d, 2), b = random(nb * d, 3);
    const got = Array.from(await backend.cosineCross(a, na, b, nb, d));
    const want = naiveCosine(a, na, b, nb, d);
    expect(got).toHaveLength(na * nb);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
  });

  it('computes plain cross dot products', async () => {
    const na = 4, nb = 3, d = 5;
    const a = random(na * d, 5), b = random(nb * d, 6);
    const got = Array.from(await backend.dotCross(a, na, b, nb, d));
    got.forEach((v, t) => {
      const i = Math.floor(t / nb), j = t % nb;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += (a[i * d + k] as number) * (b[j * d + k] as number);
      expect(v).toBeCloseTo(dot, 5);
    });
  });

  it('computes a plain matrix product', async () => {
    const rows = 4, inner = 6, cols = 5;
    const a = random(rows * inner, 7), b = random(inner * cols, 8);
    const got = Array.from(await backend.matmul(a, rows, inner, b, cols));
    expect(got).toHaveLength(rows * cols);
    got.forEach((v, t) => {
      const i = Math.floor(t / cols), j = t % cols;
      let sum = 0;
      for (let k = 0; k < inner; k++) sum += (a[i * inner + k] as number) * (b[k * cols + j] as number);
      expect(v).toBeCloseTo(sum, 5);
    });
    await expect(backend.matmul(a, rows, inner, b.subarray(1), cols)).rejects.toThrow(/b has length 29, expected 6\*5/);
  });

  it('gives bit-identical products whether idle threads spin or sleep', async () => {
    const sleeping = await createOnnxLinalg({ intraOpNumThreads: 2 });
    const spinning = await createOnnxLinalg({ intraOpNumThreads: 2, spinning: true });
    const n = 600, d = 16, cols = 24;
    const a = random(n * d, 9), b = random(d * cols, 10);
    expect(await spinning.cosine(a, n, d)).toEqual(await sleeping.cosine(a, n, d));
    expect(await spinning.matmul(a, n, d, b, cols)).toEqual(await sleeping.matmul(a, n, d, b, cols));
    await Promise.all([sleeping.dispose(), spinning.dispose()]);
  });

  it('rejects mismatched lengths', async () => {
    await expect(backend.cosine(new Float32Array(5), 2, 3)).rejects.toThrow(/a has length 5, expected 2\*3/);
  });
});
