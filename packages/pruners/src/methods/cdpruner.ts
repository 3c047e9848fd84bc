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

/**
 * Fast greedy MAP inference for the DPP with kernel L_ij = q_i S_ij q_j (Chen et al., NeurIPS 2018): the
 * Cholesky factor grows one column per pick; stops early when no positive marginal gain is left. The factor is
 * stored item-major (row i = c_i), so each update is a contiguous dot product.
 */
function greedyMap(s: Float32Array, q: Float64Array, m: number, budget: number): number[] {
  const selected: number[] = [];
  const gain = Float64Array.from({ length: m }, (_, i) => (q[i] as number) ** 2 * (s[i * m + i] as number));
  const c = new Float32Array(m * budget);
  for (let t = 0; t < budget; t++) {
    let j = -1;
    for (let i = 0; i < m; i++) if (j === -1 || (gain[i] as number) > (gain[j] as number)) j = i;
    if ((gain[j] as number) <= MIN_GAIN) break;
    selected.push(j);
    const dj = Math.sqrt(gain[j] as number);
    const qj = q[j] as number;
    const cjBase = j * budget;
    for (let i = 0; i < m; i++) {
      const ciBase = i * budget;
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      let u = 0;
      for (; u + 3 < t; u += 4) {
        d0 += (c[ciBase + u] as number) * (c[cjBase + u] as number);
        d1 += (c[ciBase + u + 1] as number) * (c[cjBase + u + 1] as number);
        d2 += (c[ciBase + u + 2] as number) * (c[cjBase + u + 2] as number);
        d3 += (c[ciBase + u + 3] as number) * (c[cjBase + u + 3] as number);
      }
      for (; u < t; u++) d0 += (c[ciBase + u] as number) * (c[cjBase + u] as number);
      const ei = (qj * (s[j * m + i] as number) * (q[i] as number) - (d0 + d1 + d2 + d3)) / dj;
      c[ciBase + t] = ei;
      gain[i] = (gain[i] as number) - ei * ei;
    }
    gain[j] = -Infinity;
  }
  return selected;
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
