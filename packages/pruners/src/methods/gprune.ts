/**
 * G-Prune (arXiv 2501.02268, AAAI-25): query-agnostic graph propagation over the post-projector tokens; tokens
 * that collect the most feature-norm mass per edge are kept.
 * 1. C = cosine similarity of the tokens; entries below s removed (`edge: 'threshold'`, s = 0.5 as in the code)
 *    or the paper's `edge: 'shift'`, max(0, cos - s) [code; the paper's ablation found s = 0.7 best].
 * 2. Logits C / tau (tau = 0.03), removed edges -5000, row-wise softmax gives P [code].
 * 3. Degree D_j = number of non-zero entries in row j of P, before propagation [code].
 * 4. S0_i = ||X_i||_2, then `iterations` (5) times S <- S P^T as vector-matrix products, never a matrix power
 *    [code; the complexity is our choice]: each token gathers its neighbours' scores along its own row of P.
 * 5. Score S_j / D_j, top k per graph, every graph keeping the same ratio (largest remainder) [code].
 * 6. LLaVA-NeXT: two graphs, the base view and the high-res grid without newlines (newlines are alwaysKeep)
 *    [code]; in general one graph per layout view (`graphs: 'per-view'`), or one for all (`'single'`) [choice].
 * Positions preserved [code]; runs after the projector, before the LLM.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { viewSize, viewTokens } from '../layout.ts';
import { apportion } from '../linalg/apportion.ts';
import { rowNorms } from '../linalg/cosine.ts';
import { gatherRows, topK } from '../linalg/select.ts';

const REMOVED_LOGIT = -5000;

const params = z.strictObject({
  threshold: z.number().min(-1).max(1).default(0.5),
  edge: z.enum(['threshold', 'shift']).default('threshold'),
  tau: z.number().positive().default(0.03),
  iterations: z.int().min(0).default(5),
  graphs: z.enum(['per-view', 'single']).default('per-view'),
});

/** Turns a similarity matrix into the row-stochastic P in place; returns each row's degree. */
function transitionInPlace(c: Float32Array, m: number, threshold: number, shift: boolean, tau: number): Float32Array {
  const degree = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    let max = -Infinity;
    for (let j = 0; j < m; j++) {
      const cos = c[row + j] as number;
      const kept = shift ? cos > threshold : cos >= threshold;
      const logit = kept ? (shift ? cos - threshold : cos) / tau : REMOVED_LOGIT;
      c[row + j] = logit;
      if (logit > max) max = logit;
    }
    let sum = 0;
    for (let j = 0; j < m; j++) {
      const e = Math.exp((c[row + j] as number) - max);
      c[row + j] = e;
      sum += e;
    }
    let nonZero = 0;
    for (let j = 0; j < m; j++) {
      const p = (c[row + j] as number) / sum;
      c[row + j] = p;
      if (Math.fround(p) !== 0) nonZero++;
    }
    degree[i] = nonZero;
  }
  return degree;
}

/** `iterations` times s <- P s (row i gathers along its own transition row), as vector-matrix products. */
function propagate(p: Float32Array, m: number, start: Float32Array, iterations: number): Float32Array {
  let s: Float32Array = start;
  let next: Float32Array = new Float32Array(m);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < m; i++) {
      let acc = 0;
      for (let j = 0, row = i * m; j < m; j++) acc += (p[row + j] as number) * (s[j] as number);
      next[i] = acc;
    }
    [s, next] = [next, s];
  }
  return s;
}

export const gprune = defineMethod({
  id: 'gprune',
  stage: 'llm-input',
  needs: [],
  needsFor: () => [],
  readsTokens: () => true,
  positions: 'preserve',
  merges: false,
  params,
  paper: 'arXiv 2501.02268 (G-Prune, AAAI-25)',
  *run(ctx) {
    const { threshold, edge, tau, iterations, graphs } = ctx.params;
    const groups = graphs === 'single' ? [ctx.candidates] : ctx.views.map(viewTokens);
    const sizes = groups.map((g) => g.length);
    const budgets = graphs === 'single' ? [ctx.budget] : apportion(ctx.budget, ctx.views.map(viewSize), sizes);
    const scores = new Float32Array(ctx.n);
    const selected: number[] = [];
    for (let g = 0; g < groups.length; g++) {
      const tokens = groups[g] as Int32Array;
      const m = tokens.length;
      const x = gatherRows(ctx.tokens, ctx.d, tokens);
      const p: Float32Array = yield { op: 'cosine', a: x, n: m, d: ctx.d };
      const degree = transitionInPlace(p, m, threshold, edge === 'shift', tau);
      const s = propagate(p, m, rowNorms(x, m, ctx.d), iterations);
      const local = new Float32Array(m);
      for (let i = 0; i < m; i++) {
        local[i] = (s[i] as number) / (degree[i] as number);
        scores[tokens[i] as number] = local[i] as number;
      }
      const order = Int32Array.from({ length: m }, (_, i) => i);
      for (const i of topK(local, order, budgets[g] as number)) selected.push(tokens[i] as number);
    }
    return { selected: Int32Array.from(selected), scores, info: { graphs: groups.length, edge } };
  },
});
