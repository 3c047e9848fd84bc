/**
 * CDPruner (arXiv 2506.10967, NeurIPS 2025): maximise the conditional diversity of the kept tokens with a
 * determinantal point process whose kernel is L = diag(q) S diag(q): S = cosine similarity of the post-projector
 * tokens, q = min-max of the CLIP image-text relevance r_i = cos(g(h_i), t). The MAP subset is found with the fast
 * greedy algorithm of Chen et al. (incremental Cholesky): O(k^2 n) for the factor and O(k n d) for the kernel rows
 * it reads (the picks' rows of S, computed a panel of picks at a time; S is never formed whole).
 * Choices: `relevance: 'llm-embed'` for families without a CLIP text tower (as GridPrune's variant) [choice];
 * when the remaining marginal gain is ~0 (rank exhausted) the rest is filled by relevance [choice]; one global
 * problem across views [choice]; positions compact [code].
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type { LinalgRequest } from '../linalg/backend.ts';
import { NORM_EPS } from '../linalg/cosine.ts';
import { gatherRows, orderByScore, topK } from '../linalg/select.ts';
import { cosine, minMax } from '../linalg/stats.ts';
import { requireSignal } from '../signals.ts';
import type { SignalName } from '../types.ts';

const params = z.strictObject({
  relevance: z.enum(['clip', 'llm-embed']).default('clip'),
});

const MIN_GAIN = 1e-10;

function signalsFor(p: { relevance: 'clip' | 'llm-embed' }): SignalName[] {
  return p.relevance === 'clip' ? ['clipImageEmbeds', 'clipTextEmbed'] : ['textInputEmbeds'];
}

/** Most picks per panel: between two rounds of matrix products over all items. */
const PANEL = 32;
/**
 * Items per panel whose residual kernel is formed exactly (those of highest gain). At n = 2880 and k = 640 on the
 * benchmark's tokens, 96 lets a panel run to its 32 picks (21 panels for 640 picks).
 */
const POOL = 96;

/**
 * Greedy MAP inference for the DPP with kernel L_ij = q_i S_ij q_j, S = cosine of the rows of `x` ([m * d]): the
 * fast greedy algorithm of Chen et al. (NeurIPS 2018, incremental Cholesky) in panels, so that the O(k^2 m)
 * factor updates and the O(k m d) kernel rows it reads are matrix products on the backend, and S is never formed.
 *
 * A panel starts with every item's gain exact. It forms the residual kernel (L minus what the picks so far
 * explain) among the POOL items of highest gain and takes greedy steps on it while the best pool gain is above
 * the best gain outside the pool at the panel's start: gains only shrink, so these are exactly the picks of the
 * item-by-item algorithm. Then every item is brought up to date for the panel's picks at once. Stops when no
 * positive gain is left.
 */
function* greedyMap(x: Float32Array, d: number, q: Float64Array, m: number, budget: number): Generator<LinalgRequest, number[], Float32Array> {
  // L_ij = scale_i scale_j <x_i, x_j> with scale_i = q_i / max(|x_i|, eps), as the cosine normalises.
  const scale = new Float64Array(m);
  const gain = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const squared = sumOfSquares(x, i * d, d);
    const inverse = 1 / Math.max(Math.sqrt(squared), NORM_EPS);
    scale[i] = (q[i] as number) * inverse;
    gain[i] = (scale[i] as number) ** 2 * squared;
  }
  // Pick-major Cholesky factor: row t holds every item's coordinate on pick t.
  const factor = new Float32Array(budget * m);
  const picked = new Uint8Array(m);
  const picks: number[] = [];
  const unpicked: number[] = [];
  for (;;) {
    const start = picks.length;
    unpicked.length = 0;
    for (let i = 0; i < m; i++) if (!picked[i]) unpicked.push(i);
    const ranked = topK(gain, unpicked, POOL + 1);
    const pool = ranked.subarray(0, Math.min(POOL, ranked.length));
    const outsideBound = ranked.length > POOL ? (gain[ranked[POOL] as number] as number) : -Infinity;
    const r = pool.length;
    if (r === 0) break;

    // Residual kernel among the pool: L_pool - C_pool C_pool^T, C_pool = the pool's coordinates on the picks.
    const poolRows = gatherRows(x, d, pool);
    const dots: Float32Array = yield { op: 'dotCross', a: poolRows, na: r, b: poolRows, nb: r, d };
    let explained: Float32Array | undefined;
    if (start > 0) {
      const coordinates = gatherColumns(factor, m, start, pool);
      explained = yield { op: 'dotCross', a: coordinates, na: r, b: coordinates, nb: r, d: start };
    }
    const residual = new Float64Array(r * r);
    for (let a = 0; a < r; a++) {
      const sa = scale[pool[a] as number] as number;
      for (let b = 0; b < r; b++) {
        const at = a * r + b;
        residual[at] = sa * (scale[pool[b] as number] as number) * (dots[at] as number) - (explained ? (explained[at] as number) : 0);
      }
    }

    // Greedy steps on the pool; panelFactor row a: pool item a's coordinates on this panel's picks.
    const poolGain = Float64Array.from(pool, (i) => gain[i] as number);
    const taken = new Uint8Array(r);
    const panelFactor = new Float64Array(r * PANEL);
    const chosen: number[] = [];
    const norms: number[] = [];
    let exhausted = false;
    while (chosen.length < PANEL && start + chosen.length < budget) {
      let best = -1;
      for (let a = 0; a < r; a++) {
        if (taken[a]) continue;
        const ga = poolGain[a] as number;
        const gb = best < 0 ? -Infinity : (poolGain[best] as number);
        if (best < 0 || ga > gb || (ga === gb && (pool[a] as number) < (pool[best] as number))) best = a;
      }
      if (best < 0) break;
      const top = poolGain[best] as number;
      // After the first step a pool gain is certainly the overall best only above every outside item's bound.
      if (chosen.length > 0 && !(top > outsideBound)) break;
      if (top <= MIN_GAIN) {
        exhausted = true;
        break;
      }
      const u = chosen.length;
      const norm = Math.sqrt(top);
      taken[best] = 1;
      chosen.push(best);
      norms.push(norm);
      for (let a = 0; a < r; a++) {
        if (taken[a]) continue;
        let explainedHere = 0;
        for (let v = 0; v < u; v++) explainedHere += (panelFactor[a * PANEL + v] as number) * (panelFactor[best * PANEL + v] as number);
        const e = ((residual[best * r + a] as number) - explainedHere) / norm;
        panelFactor[a * PANEL + u] = e;
        poolGain[a] = (poolGain[a] as number) - e * e;
      }
    }
    const p = chosen.length;
    const panelPicks = chosen.map((a) => pool[a] as number);
    for (const i of panelPicks) picked[i] = 1;
    picks.push(...panelPicks);
    // p is 0 only when the gains ran out.
    if (exhausted || p === 0 || picks.length === budget) break;

    // Every item's coordinates on the panel's picks J: T^-1 (L_Ji - C_J C_i), with C_J the picks' coordinates
    // on the earlier picks and T the panel's lower-triangular factor (T_uv = pick u's coordinate on pick v).
    const kernelColumns: Float32Array = yield { op: 'dotCross', a: x, na: m, b: gatherRows(x, d, panelPicks), nb: p, d };
    let explainedRows: Float32Array | undefined;
    if (start > 0) {
      explainedRows = yield {
        op: 'matmul', a: gatherColumns(factor, m, start, panelPicks), rows: p, inner: start, b: factor.subarray(0, start * m), cols: m,
      };
    }
    const rhs = new Float32Array(p * m);
    for (let u = 0; u < p; u++) {
      const su = scale[panelPicks[u] as number] as number;
      for (let i = 0; i < m; i++) {
        rhs[u * m + i] = su * (scale[i] as number) * (kernelColumns[i * p + u] as number) - (explainedRows ? (explainedRows[u * m + i] as number) : 0);
      }
    }
    const triangular = (u: number, v: number) => (u === v ? (norms[u] as number) : (panelFactor[(chosen[u] as number) * PANEL + v] as number));
    const coordinates: Float32Array = yield { op: 'matmul', a: invertLowerTriangular(p, triangular), rows: p, inner: p, b: rhs, cols: m };
    factor.set(coordinates, start * m);
    for (let u = 0; u < p; u++) {
      for (let i = 0; i < m; i++) {
        const e = coordinates[u * m + i] as number;
        gain[i] = (gain[i] as number) - e * e;
      }
    }
  }
  return picks;
}

function sumOfSquares(x: Float32Array, offset: number, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = offset;
  const end = offset + d;
  for (; k + 3 < end; k += 4) {
    const a = x[k] as number, b = x[k + 1] as number, c = x[k + 2] as number, e = x[k + 3] as number;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; k < end; k++) s0 += (x[k] as number) ** 2;
  return s0 + s1 + s2 + s3;
}

/** [items.length * rows] the columns `items` of a [rows * cols] matrix, one item per row. */
function gatherColumns(matrix: Float32Array, cols: number, rows: number, items: ArrayLike<number>): Float32Array {
  const out = new Float32Array(items.length * rows);
  for (let t = 0; t < items.length; t++) {
    const item = items[t] as number;
    for (let row = 0; row < rows; row++) out[t * rows + row] = matrix[row * cols + item] as number;
  }
  return out;
}

/** [p * p] the inverse of the lower-triangular matrix with entries entry(u, v), v <= u, by forward substitution. */
function invertLowerTriangular(p: number, entry: (u: number, v: number) => number): Float32Array {
  const inverse = new Float64Array(p * p);
  for (let col = 0; col < p; col++) {
    for (let u = col; u < p; u++) {
      let sum = u === col ? 1 : 0;
      for (let v = col; v < u; v++) sum -= entry(u, v) * (inverse[v * p + col] as number);
      inverse[u * p + col] = sum / entry(u, u);
    }
  }
  return Float32Array.from(inverse);
}

export const cdpruner = defineMethod({
  id: 'cdpruner',
  stage: 'llm-input',
  needs: signalsFor({ relevance: 'clip' }),
  needsFor: signalsFor,
  readsTokens: () => true,
  positions: 'compact',
  merges: false,
  params,
  paper: 'arXiv 2506.10967 (CDPruner, NeurIPS 2025)',
  *run(ctx) {
    const { candidates, budget, d } = ctx;
    const m = candidates.length;
    const r = new Float32Array(ctx.n);
    if (ctx.params.relevance === 'clip') {
      const images = requireSignal(ctx.signals, 'clipImageEmbeds');
      const text = requireSignal(ctx.signals, 'clipTextEmbed');
      for (const i of candidates) r[i] = cosine(images, i * ctx.dims.dClip, text, 0, ctx.dims.dClip);
    } else {
      const words = requireSignal(ctx.signals, 'textInputEmbeds');
      const query = new Float32Array(d);
      const nText = ctx.dims.nText;
      for (let w = 0; w < nText; w++) for (let k = 0; k < d; k++) query[k] = (query[k] as number) + (words[w * d + k] as number) / nText;
      for (const i of candidates) r[i] = cosine(ctx.tokens, i * d, query, 0, d);
    }
    const quality = minMax(r, candidates, ctx.n);
    const q = Float64Array.from(candidates, (i) => quality[i] as number);
    const selected: number[] = [];
    if (budget > 0) {
      selected.push(...(yield* greedyMap(gatherRows(ctx.tokens, d, candidates), d, q, m, budget)));
      if (selected.length < budget) {
        const chosen = new Set(selected);
        const rest = Int32Array.from({ length: m }, (_, i) => i).filter((i) => !chosen.has(i));
        for (const i of orderByScore(q, rest)) {
          if (selected.length === budget) break;
          selected.push(i);
        }
      }
    }
    return {
      selected: Int32Array.from(selected, (i) => candidates[i] as number),
      scores: quality,
      info: { relevance: ctx.params.relevance },
    };
  },
});
