/**
 * CDPruner (arXiv 2506.10967, NeurIPS 2025): maximise the conditional diversity of the kept tokens with a
 * determinantal point process whose kernel is L = diag(q) S diag(q): S = cosine similarity of the post-projector
 * tokens, q = min-max of the CLIP image-text relevance r_i = cos(g(h_i), t). The MAP subset is found with the fast
 * greedy algorithm of Chen et al. (incremental Cholesky), O(k^2 n) after the O(n^2 d) similarity.
 * Choices: `relevance: 'llm-embed'` for families without a CLIP text tower (as GridPrune's variant) [choice];
 * when the remaining marginal gain is ~0 (rank exhausted) the rest is filled by relevance [choice]; one global
 * problem across views [choice]; positions compact [code].
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { gatherRows, orderByScore } from '../linalg/select.ts';
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

/** Max-heap of candidate items by gain upper bound (ties to the lower index). */
class BoundHeap {
  private readonly items: number[] = [];

  constructor(private readonly bound: Float64Array) {}

  private above(a: number, b: number): boolean {
    const ga = this.bound[a] as number;
    const gb = this.bound[b] as number;
    return ga > gb || (ga === gb && a < b);
  }

  push(item: number): void {
    const h = this.items;
    h.push(item);
    for (let k = h.length - 1; k > 0; ) {
      const parent = (k - 1) >> 1;
      if (!this.above(h[k] as number, h[parent] as number)) break;
      [h[k], h[parent]] = [h[parent] as number, h[k] as number];
      k = parent;
    }
  }

  pop(): number | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      for (let k = 0; ; ) {
        const l = 2 * k + 1;
        const r = l + 1;
        let best = k;
        if (l < h.length && this.above(h[l] as number, h[best] as number)) best = l;
        if (r < h.length && this.above(h[r] as number, h[best] as number)) best = r;
        if (best === k) break;
        [h[k], h[best]] = [h[best] as number, h[k] as number];
        k = best;
      }
    }
    return top;
  }
}

/**
 * Greedy MAP inference for the DPP with kernel L_ij = q_i S_ij q_j: the fast greedy algorithm of Chen et al.
 * (NeurIPS 2018, incremental Cholesky), evaluated lazily. An item's gain only shrinks as picks accumulate, so
 * its last computed gain is an upper bound: items are brought up to date only when they reach the top of a
 * max-heap of bounds. Same picks as the eager loop (up to exact ties), far fewer updates. The factor is stored
 * item-major (row i = c_i), so each update is a contiguous dot product. Stops when no positive gain is left.
 */
function greedyMap(s: Float32Array, q: Float64Array, m: number, budget: number): number[] {
  const gain = Float64Array.from({ length: m }, (_, i) => (q[i] as number) ** 2 * (s[i * m + i] as number));
  const c = new Float32Array(m * budget);
  const upTo = new Int32Array(m);
  const picks: number[] = [];
  const pickNorm = new Float64Array(budget);
  const heap = new BoundHeap(gain);
  for (let i = 0; i < m; i++) heap.push(i);
  while (picks.length < budget) {
    const i = heap.pop();
    if (i === undefined) break;
    const t = picks.length;
    if ((upTo[i] as number) < t) {
      const ci = i * budget;
      for (let u = upTo[i] as number; u < t; u++) {
        const j = picks[u] as number;
        const cj = j * budget;
        let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        let v = 0;
        for (; v + 3 < u; v += 4) {
          d0 += (c[ci + v] as number) * (c[cj + v] as number);
          d1 += (c[ci + v + 1] as number) * (c[cj + v + 1] as number);
          d2 += (c[ci + v + 2] as number) * (c[cj + v + 2] as number);
          d3 += (c[ci + v + 3] as number) * (c[cj + v + 3] as number);
        }
        for (; v < u; v++) d0 += (c[ci + v] as number) * (c[cj + v] as number);
        const e = ((q[j] as number) * (s[j * m + i] as number) * (q[i] as number) - (d0 + d1 + d2 + d3)) / (pickNorm[u] as number);
        c[ci + u] = e;
        gain[i] = (gain[i] as number) - e * e;
      }
      upTo[i] = t;
      heap.push(i);
      continue;
    }
    if ((gain[i] as number) <= MIN_GAIN) break;
    pickNorm[t] = Math.sqrt(gain[i] as number);
    picks.push(i);
  }
  return picks;
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
      const s: Float32Array = yield { op: 'cosine', a: gatherRows(ctx.tokens, d, candidates), n: m, d };
      selected.push(...greedyMap(s, q, m, budget));
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
