/**
 * An asynchronous linear-algebra backend for @prunebench/pruners (`pruneAsync`) on onnxruntime-node. It
 * structurally matches pruners' `AsyncLinalgBackend`, so this package needs no dependency on pruners. The worker
 * passes its execution providers (CUDA on a GPU worker); on CPU, 2 intra-op threads suit this machine, and idle
 * threads sleep between runs unless `spinning` is set.
 */
import * as ort from 'onnxruntime-node';
import { cosineCrossModel, cosineModel, dotCrossModel, gramBlocksModel, matmulModel } from './graphs.ts';

export interface OnnxLinalgOptions {
  /** Execution providers, as for an InferenceSession (default: cpu). */
  executionProviders?: ort.InferenceSession.SessionOptions['executionProviders'];
  intraOpNumThreads?: number;
  /**
   * Let idle intra-op threads spin (busy-wait) after a run instead of sleeping; default false. Each of the five
   * sessions has its own thread pool, and the worker runs them beside its model's sessions: spinning pools take the
   * cores from whichever session runs next (on 2 shared cores the worker's prefill went from under 3 ms to 10-24 ms,
   * see apps/worker/src/onnx/session.ts). Only worth turning on for a process alone on its machine.
   */
  spinning?: boolean;
  /**
   * Row blocks for the symmetric cosine matrix: only the upper block triangle is multiplied ((B + 1) / 2B of the
   * work), the rest mirrored. Default 4 from 512 rows on, 1 (one plain product) below.
   */
  symmetricBlocks?: number;
}

/** Split n rows into `blocks` nearly equal row blocks: [start, end) pairs. */
function rowBlocks(n: number, blocks: number): Array<[number, number]> {
  return Array.from({ length: blocks }, (_, b) => [Math.floor((b * n) / blocks), Math.floor(((b + 1) * n) / blocks)]);
}

/** Write block (i, j) of the n x n result and, off the diagonal, its transpose as block (j, i). */
function placeBlock(out: Float32Array, n: number, y: Float32Array, [r0, r1]: [number, number], [c0, c1]: [number, number]): void {
  const rows = r1 - r0;
  const cols = c1 - c0;
  for (let a = 0; a < rows; a++) out.set(y.subarray(a * cols, a * cols + cols), (r0 + a) * n + c0);
  if (r0 === c0) return;
  // Transposed copy in 64 x 64 tiles, so that both sides stay in cache.
  const tile = 64;
  for (let a0 = 0; a0 < rows; a0 += tile) {
    for (let b0 = 0; b0 < cols; b0 += tile) {
      const aEnd = Math.min(a0 + tile, rows);
      const bEnd = Math.min(b0 + tile, cols);
      for (let b = b0; b < bEnd; b++) {
        const dst = (c0 + b) * n + r0;
        for (let a = a0; a < aEnd; a++) out[dst + a] = y[a * cols + b] as number;
      }
    }
  }
}

/** Offset of row i in the packed upper triangle of an n x n matrix (row i holds columns i..n-1), as pruners'. */
function upperRowStart(i: number, n: number): number {
  return i * n - (i * (i - 1)) / 2;
}

interface UpperBlock {
  y: Float32Array;
  rows: [number, number];
  cols: [number, number];
}

/** Runs the gramBlocks graph on the row blocks of a: blocks (i, j >= i) of the cosine matrix. */
async function upperBlocks(gram: ort.InferenceSession, a: Float32Array, n: number, d: number): Promise<UpperBlock[]> {
  const blocks = gram.inputNames.length;
  const ranges = rowBlocks(n, blocks);
  const feeds: Record<string, ort.Tensor> = {};
  ranges.forEach(([r0, r1], i) => {
    feeds[`X${i}`] = new ort.Tensor('float32', a.subarray(r0 * d, r1 * d), [r1 - r0, d]);
  });
  const result = await gram.run(feeds);
  const out: UpperBlock[] = [];
  for (let i = 0; i < blocks; i++) {
    for (let j = i; j < blocks; j++) {
      const y = result[`Y${i}_${j}`]?.data;
      if (!(y instanceof Float32Array)) throw new Error(`linalg-onnx: graph returned no float32 Y${i}_${j}`);
      out.push({ y, rows: ranges[i] as [number, number], cols: ranges[j] as [number, number] });
    }
  }
  return out;
}

export interface OnnxLinalg {
  readonly name: string;
  cosine(a: Float32Array, n: number, d: number): Promise<Float32Array>;
  /** The upper triangle of `cosine`, packed row by row: row i holds columns i..n-1 from i n - i (i - 1) / 2. */
  cosineUpper(a: Float32Array, n: number, d: number): Promise<Float32Array>;
  cosineCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
  dotCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
  matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Promise<Float32Array>;
  /** Releases the sessions. */
  dispose(): Promise<void>;
}

function output(result: ort.InferenceSession.ReturnType): Float32Array {
  const y = result.Y;
  if (!y || !(y.data instanceof Float32Array)) throw new Error('linalg-onnx: graph returned no float32 Y');
  return y.data;
}

/** Creates the sessions (a few milliseconds: the graphs are 1-7 nodes). */
export async function createOnnxLinalg(options: OnnxLinalgOptions = {}): Promise<OnnxLinalg> {
  const spin = options.spinning ? '1' : '0';
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: options.executionProviders ?? ['cpu'],
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // session.{intra_op,inter_op}.allow_spinning: how idle pool threads wait, not what they compute.
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
  const blocks = options.symmetricBlocks ?? 4;
  const [cosine, cross, dot, product, gram] = await Promise.all([
    ort.InferenceSession.create(cosineModel(), sessionOptions),
    ort.InferenceSession.create(cosineCrossModel(), sessionOptions),
    ort.InferenceSession.create(dotCrossModel(), sessionOptions),
    ort.InferenceSession.create(matmulModel(), sessionOptions),
    // No CPU arena for the n x n product: the arena kept the normalised input's 47 MB (n = 2880, d = 4096) mapped after
    // the run, on top of the outputs and their JS copies, so DivPrune's process peaked at 281-290 MB against 236-243
    // without it (bench/peak.ts in pruners). Timings were the same within noise at 576 and 2880 rows.
    blocks > 1 ? ort.InferenceSession.create(gramBlocksModel(blocks), { ...sessionOptions, enableCpuMemArena: false }) : undefined,
  ]);
  const check = (a: Float32Array, rows: number, d: number, name: string) => {
    if (a.length !== rows * d) throw new Error(`linalg-onnx: ${name} has length ${a.length}, expected ${rows}*${d}`);
  };
  return {
    name: `onnx(${(sessionOptions.executionProviders ?? []).map((p) => (typeof p === 'string' ? p : p.name)).join(',')})`,
    async cosine(a, n, d) {
      check(a, n, d, 'a');
      if (!gram || n < 512) return output(await cosine.run({ X: new ort.Tensor('float32', a, [n, d]) }));
      const out = new Float32Array(n * n);
      for (const { y, rows, cols } of await upperBlocks(gram, a, n, d)) placeBlock(out, n, y, rows, cols);
      return out;
    },
    async cosineUpper(a, n, d) {
      check(a, n, d, 'a');
      const out = new Float32Array(upperRowStart(n, n));
      if (!gram || n < 512) {
        const full = output(await cosine.run({ X: new ort.Tensor('float32', a, [n, d]) }));
        for (let i = 0; i < n; i++) out.set(full.subarray(i * n + i, i * n + n), upperRowStart(i, n));
        return out;
      }
      // Row segments straight from the upper blocks: no n x n matrix, no transposed copies.
      for (const { y, rows: [r0, r1], cols: [c0, c1] } of await upperBlocks(gram, a, n, d)) {
        const width = c1 - c0;
        for (let row = r0; row < r1; row++) {
          const from = row > c0 ? row - c0 : 0;
          out.set(y.subarray((row - r0) * width + from, (row - r0 + 1) * width), upperRowStart(row, n) + c0 + from - row);
        }
      }
      return out;
    },
    async cosineCross(a, na, b, nb, d) {
      check(a, na, d, 'a');
      check(b, nb, d, 'b');
      return output(await cross.run({ A: new ort.Tensor('float32', a, [na, d]), B: new ort.Tensor('float32', b, [nb, d]) }));
    },
    async dotCross(a, na, b, nb, d) {
      check(a, na, d, 'a');
      check(b, nb, d, 'b');
      return output(await dot.run({ A: new ort.Tensor('float32', a, [na, d]), B: new ort.Tensor('float32', b, [nb, d]) }));
    },
    async matmul(a, rows, inner, b, cols) {
      check(a, rows, inner, 'a');
      check(b, inner, cols, 'b');
      return output(await product.run({ A: new ort.Tensor('float32', a, [rows, inner]), B: new ort.Tensor('float32', b, [inner, cols]) }));
    },
    async dispose() {
      await Promise.all([cosine.release(), cross.release(), dot.release(), product.release(), gram?.release()]);
    },
  };
}
