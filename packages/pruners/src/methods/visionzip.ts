/**
 * VisionZip (arXiv 2412.04467, CVPR 2025): keep the dominant tokens by CLS attention, and merge the rest into a
 * few contextual tokens. This method merges: the result carries new features for the contextual tokens.
 * 1. k_d = round(dominantRatio * k) dominant tokens by CLS->patch attention (54 of 64, 108 of 128, 162 of 192
 *    in the paper: ratio 54/64) [paper].
 * 2. k_c = k - k_d contextual targets at a uniform stride among the remaining tokens: every
 *    max(1, floor(remaining / k_c))-th, the first k_c of them [code].
 * 3. Every other remaining token goes to its most similar target (cosine: computed as dot products with the
 *    normalised targets, which has the same argmax); each target becomes the mean of itself
 *    and the tokens assigned to it [code, as publicly refactored].
 * Choices: similarity on the tokens themselves (the code uses the last block's attention keys, which the
 * prunebench layout does not export) [choice]; no CLS token among the kept ones (the layout has none) [choice];
 * one global selection across views [choice]. Runs in the vision tower; positions compact [code].
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { normalizeRows } from '../linalg/cosine.ts';
import { gatherRows, topKSet } from '../linalg/select.ts';
import { addGroupsInOrder } from '../linalg/simd.ts';
import { requireSignal } from '../signals.ts';
import { confirmFiniteTokens } from '../validate.ts';

const params = z.strictObject({
  dominantRatio: z.number().min(0).max(1).default(54 / 64),
});

/**
 * Adds every other token to its most similar target (ties to the earlier target), then divides each target by its
 * group size (a mean). The tokens are grouped by target first (in their order) and each group is added with the
 * SIMD kernel: float32 rounding after every addition, in the same order, so the sums are the same as adding the
 * rows one by one.
 */
function mergeIntoTargets(
  tokens: Float32Array, d: number, others: Int32Array, rowOf: Int32Array, similarity: Float32Array, stride: number,
  features: Float32Array, targets: number,
): void {
  const groupStart = new Int32Array(targets + 1);
  const assigned = new Int32Array(others.length);
  for (let o = 0; o < others.length; o++) {
    const row = (rowOf[o] as number) * stride;
    let best = 0;
    for (let t = 1; t < targets; t++) if ((similarity[row + t] as number) > (similarity[row + best] as number)) best = t;
    assigned[o] = best;
    groupStart[best + 1] = (groupStart[best + 1] as number) + 1;
  }
  for (let t = 0; t < targets; t++) groupStart[t + 1] = (groupStart[t + 1] as number) + (groupStart[t] as number);
  const next = groupStart.slice(0, targets);
  const sourceOffsets = new Int32Array(others.length);
  for (let o = 0; o < others.length; o++) {
    const t = assigned[o] as number;
    sourceOffsets[next[t] as number] = (others[o] as number) * d;
    next[t] = (next[t] as number) + 1;
  }
  addGroupsInOrder(features, tokens, sourceOffsets, groupStart, d);
  for (let t = 0; t < targets; t++) {
    const inv = 1 / (1 + (groupStart[t + 1] as number) - (groupStart[t] as number));
    for (let k = t * d, end = k + d; k < end; k++) features[k] = (features[k] as number) * inv;
  }
}

export const visionzip = defineMethod({
  id: 'visionzip',
  stage: 'vision',
  needs: ['clsAttention'],
  needsFor: () => ['clsAttention'],
  // The tokens' NaN/Infinity scan (an extra pass over n*d floats, ~10% of the method at n=2880, d=4096) rides on
  // the similarity product where that reads every token: see run().
  readsTokens: () => 'deferred',
  positions: 'compact',
  merges: true,
  params,
  paper: 'arXiv 2412.04467 (VisionZip, CVPR 2025)',
  *run(ctx) {
    const { budget, d } = ctx;
    const attention = requireSignal(ctx.signals, 'clsAttention');
    const dominantCount = Math.min(budget, Math.round(ctx.params.dominantRatio * budget));
    const dominant = topKSet(attention, ctx.candidates, dominantCount);
    const isDominant = new Uint8Array(ctx.n);
    for (const i of dominant) isDominant[i] = 1;
    const remaining = ctx.candidates.filter((i) => !isDominant[i]);
    const contextualCount = budget - dominantCount;
    const selected = Int32Array.from([...dominant]);
    if (contextualCount === 0) {
      confirmFiniteTokens(ctx);
      return { selected, scores: attention, info: { dominant: dominantCount, contextual: 0 } };
    }

    const step = Math.max(1, Math.floor(remaining.length / contextualCount));
    const isTarget = new Uint8Array(remaining.length);
    const targets = new Int32Array(contextualCount);
    for (let t = 0; t < contextualCount; t++) {
      targets[t] = remaining[t * step] as number;
      isTarget[t * step] = 1;
    }
    const others = remaining.filter((_, r) => !isTarget[r]);
    // Merged in place: a copy of the targets' rows (gatherRows returns a view of the input for a consecutive run).
    const gathered = gatherRows(ctx.tokens, d, targets);
    const features = gathered.buffer === ctx.tokens.buffer ? gathered.slice() : gathered;
    // Consecutive candidates (every single-image layout): compare all of them with the targets straight from the
    // input, a slightly larger product that saves copying the others' rows. Where they are all n tokens, one more
    // column of ones gives every token row's sum, which proves the tokens finite (confirmFiniteTokens) for 1/k of
    // the product instead of a separate pass over them.
    const first = ctx.candidates[0] as number;
    const consecutive = ctx.candidates.every((i, t) => i === first + t);
    const witness = consecutive && ctx.candidates.length === ctx.n && !ctx.tokensChecked;
    if (others.length === 0 || !witness) confirmFiniteTokens(ctx);
    if (others.length > 0) {
      const rows = consecutive ? ctx.candidates : others;
      // argmax_t cos(x, y_t) = argmax_t <x, y_t / |y_t|>: only the targets need normalising.
      const stride = witness ? contextualCount + 1 : contextualCount;
      const b = new Float32Array(stride * d);
      b.set(normalizeRows(features, contextualCount, d));
      if (witness) b.fill(1, contextualCount * d);
      const similarity: Float32Array = yield { op: 'dotCross', a: gatherRows(ctx.tokens, d, rows), na: rows.length, b, nb: stride, d };
      if (witness) {
        const rowSums = new Float32Array(ctx.n);
        for (let r = 0; r < ctx.n; r++) rowSums[r] = similarity[r * stride + contextualCount] as number;
        confirmFiniteTokens(ctx, rowSums);
      }
      const rowOf = consecutive ? others.map((i) => i - first) : others.map((_, o) => o);
      mergeIntoTargets(ctx.tokens, d, others, rowOf, similarity, stride, features, contextualCount);
    }
    return {
      selected: Int32Array.from([...dominant, ...targets]),
      merged: { indices: targets, features },
      scores: attention,
      info: { dominant: dominantCount, contextual: contextualCount },
    };
  },
});
