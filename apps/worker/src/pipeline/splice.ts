import type { FloatTensor } from '../onnx/session.ts';

/**
 * The one place that splices kept visual indices into a sequence, its positions and KV caches.
 * A prompt sequence is prefix text (P tokens) + visual tokens (n) + suffix text (S); positions before any pruning
 * are 0..P+n+S-1.
 */

/** Sequence rows kept when visual tokens `keptVisual` (sorted, 0-based within the visual block) survive. */
export function keptRows(prefix: number, visual: number, suffix: number, keptVisual: Int32Array): Int32Array {
  const rows = new Int32Array(prefix + keptVisual.length + suffix);
  let t = 0;
  for (let i = 0; i < prefix; i++) rows[t++] = i;
  for (const v of keptVisual) rows[t++] = prefix + v;
  for (let j = 0; j < suffix; j++) rows[t++] = prefix + visual + j;
  return rows;
}

/** Rows of a [rows, width] row-major matrix. */
export function gatherRows(data: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    out.set(data.subarray(r * width, r * width + width), i * width);
  }
  return out;
}

/** Entries of a vector at the given indices. */
export function gatherValues(data: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = data[indices[i] as number] as number;
  return out;
}

/** A [1, T, D] tensor reduced to the given rows along T. */
export function sliceSequence(tensor: FloatTensor, rows: Int32Array): FloatTensor {
  const width = tensor.dims[2] ?? 0;
  return { data: gatherRows(tensor.data, width, rows), dims: [1, rows.length, width] };
}

/** A KV cache tensor [1, H, L, hd] reduced to the given positions along L. */
export function sliceKv(tensor: FloatTensor, rows: Int32Array): FloatTensor {
  const [, heads = 0, length = 0, headDim = 0] = tensor.dims;
  const out = new Float32Array(heads * rows.length * headDim);
  for (let h = 0; h < heads; h++) {
    const src = h * length * headDim;
    const dst = h * rows.length * headDim;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      out.set(tensor.data.subarray(src + r * headDim, src + r * headDim + headDim), dst + i * headDim);
    }
  }
  return { data: out, dims: [1, heads, rows.length, headDim] };
}

/** Position ids of kept rows: `preserve` keeps each row's original position, `compact` renumbers from 0. */
export function positionsFor(policy: 'preserve' | 'compact', originalPositions: ArrayLike<number>, rows: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) out.push(policy === 'preserve' ? (originalPositions[rows[i] as number] as number) : i);
  return out;
}

/** Concatenates [rows_i, width] blocks into one [sum rows, width] matrix. */
export function concatRows(blocks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(blocks.reduce((sum, b) => sum + b.length, 0));
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}
