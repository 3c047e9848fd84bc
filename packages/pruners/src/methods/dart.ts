/**
 * DART (arXiv 2502.11494, "Stop Looking for Important Tokens in Multimodal Language Models: Duplication Matters
 * More"): at LLM layer K (= 2) pick a few pivot tokens by the L1 norm of their keys, 4 among the image tokens and
 * 4 among the text tokens after the image, then for each pivot keep the image tokens least similar (cosine of the
 * hidden states entering layer K) to it, removing duplicates of what the pivots already carry. The image pivots
 * are kept; text pivots only guide. Positions preserved [toolkits].
 * Choices: the remaining budget k - imagePivots is split evenly over the pivots, the first ones getting one more
 * when it does not divide [choice] (the code keeps budget // pivots per pivot, so its total drifts from k);
 * pivots are visited image pivots first, each group by key norm descending [choice]; one global selection
 * across views [choice]; with nText = 0 only image pivots guide.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { NORM_EPS, normalizeRows, rowNorms } from '../linalg/cosine.ts';
import { gatherRows, topK, topKSet } from '../linalg/select.ts';
import { requireSignal } from '../signals.ts';

const params = z.strictObject({
  imagePivots: z.int().min(1).default(4),
  textPivots: z.int().min(0).default(4),
});

export const dart = defineMethod({
  id: 'dart',
  stage: 'llm-layer',
  needs: ['keyNorms', 'hiddenStates', 'textHiddenStates'],
  needsFor: () => ['keyNorms', 'hiddenStates', 'textHiddenStates'],
  readsTokens: () => false,
  positions: 'preserve',
  merges: false,
  params,
  paper: 'arXiv 2502.11494 (DART)',
  *run(ctx) {
    const { n, d, budget, candidates } = ctx;
    const nText = ctx.dims.nText;
    const keyNorms = requireSignal(ctx.signals, 'keyNorms');
    const hidden = requireSignal(ctx.signals, 'hiddenStates');
    const textHidden = requireSignal(ctx.signals, 'textHiddenStates');
    const imagePivots = topK(keyNorms, candidates, Math.min(budget, ctx.params.imagePivots));
    const textOrder = Int32Array.from({ length: nText }, (_, t) => n + t);
    const textPivots = topK(keyNorms, textOrder, Math.min(nText, ctx.params.textPivots)).map((i) => i - n);
    const selected = [...imagePivots];
    const remainingBudget = budget - imagePivots.length;
    const pivotCount = imagePivots.length + textPivots.length;
    if (remainingBudget > 0 && pivotCount > 0) {
      const pivotRows = new Float32Array(pivotCount * d);
      pivotRows.set(gatherRows(hidden, d, imagePivots), 0);
      pivotRows.set(gatherRows(textHidden, d, textPivots), imagePivots.length * d);
      const m = candidates.length;
      // cos(pivot, token) = <pivot / |pivot|, token> / |token|, asked for as a [m x pivots] product: the m token
      // rows (a view of the input for consecutive candidates) are the left operand, read once in place, and only
      // the 8 pivot rows are normalised and transposed. The other orientation (pivots x tokens^T, with the token
      // norms in the graph) made onnxruntime transpose-pack the 2880 x 4096 side and reduce it with its scalar
      // ReduceL2, ~20 ms at 2880 x 4096 against ~4 for this product plus the SIMD row norms.
      const tokenRows = gatherRows(hidden, d, candidates);
      const dots: Float32Array = yield {
        op: 'dotCross', a: tokenRows, na: m, b: normalizeRows(pivotRows, pivotCount, d), nb: pivotCount, d,
      };
      const tokenNorms = rowNorms(tokenRows, m, d);
      const taken = new Uint8Array(n);
      for (const i of imagePivots) taken[i] = 1;
      // Plain loops over reused arrays: the closures of Int32Array.from / filter cost ~1 ms per pivot here.
      const free = new Int32Array(m);
      const dissimilarity = new Float32Array(m);
      for (let p = 0; p < pivotCount; p++) {
        const quota = Math.floor(remainingBudget / pivotCount) + (p < remainingBudget % pivotCount ? 1 : 0);
        let freeCount = 0;
        for (let c = 0; c < m; c++) {
          if (!taken[candidates[c] as number]) free[freeCount++] = c;
          dissimilarity[c] = -(dots[c * pivotCount + p] as number) / Math.max(tokenNorms[c] as number, NORM_EPS);
        }
        for (const c of topKSet(dissimilarity, free.subarray(0, freeCount), quota)) {
          const i = candidates[c] as number;
          taken[i] = 1;
          selected.push(i);
        }
      }
    }
    return {
      selected: Int32Array.from(selected),
      scores: keyNorms.slice(0, n),
      info: { imagePivots: imagePivots.length, textPivots: textPivots.length },
    };
  },
});
