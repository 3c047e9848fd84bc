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
import { gatherRows, topKSet } from '../linalg/select.ts';

const REMOVED_LOGIT = -5000;

const params = z.strictObject({
  threshold: z.number().min(-1).max(1).default(0.5),
  edge: z.enum(['threshold', 'shift']).default('threshold'),
  tau: z.number().positive().default(0.03),
  iterations: z.int().min(0).default(5),
  graphs: z.enum(['per-view', 'single']).default('per-view'),
});

/** The row-stochastic P, sparse (CSR): edges are few (a few percent of pairs at s = 0.5 on real tokens). */
interface Transition {
  rowStart: Int32Array;
  col: Int32Array;
  /** float32 values, as a dense float32 P would hold them. */
  value: Float32Array;
  /** Non-zero entries per row. */
  degree: Float32Array;
}

/**
 * Row softmax of the thresholded logits. A removed edge's exp(-5000 - max) is exactly 0 unless the row's max is
 * itself near -5000 (no kept edge, or an extreme tau); such a row is stored dense, so the result equals the dense
 * computation entry for entry.
 */
function transition(c: Float32Array, m: number, threshold: number, shift: boolean, tau: number): Transition {
  let capacity = Math.max(16, m * 8);
  let col = new Int32Array(capacity);
  let value = new Float32Array(capacity);
  const rowStart = new Int32Array(m + 1);
  const degree = new Float32Array(m);
  const e = new Float64Array(m);
  let nnz = 0;
  for (let i = 0; i < m; i++) {
    if (nnz + m > capacity) {
      capacity = Math.max(capacity * 2, nnz + m);
      const grownCol = new Int32Array(capacity);
      grownCol.set(col.subarray(0, nnz));
      col = grownCol;
      const grownValue = new Float32Array(capacity);
      grownValue.set(value.subarray(0, nnz));
      value = grownValue;
    }
    const row = i * m;
    const start = nnz;
    let max = -Infinity;
    for (let j = 0; j < m; j++) {
      const cos = c[row + j] as number;
      if (shift ? cos > threshold : cos >= threshold) {
        const logit = (shift ? cos - threshold : cos) / tau;
        col[nnz] = j;
        e[nnz - start] = logit;
        nnz++;
        if (logit > max) max = logit;
      }
    }
    const removed = m - (nnz - start);
    if (removed > 0 && REMOVED_LOGIT > max) max = REMOVED_LOGIT;
    if (removed > 0 && max < REMOVED_LOGIT + 700) {
      // exp(-5000 - max) is not negligible here: keep every entry, as the dense softmax would.
      nnz = start;
      for (let j = 0; j < m; j++) {
        const cos = c[row + j] as number;
        const kept = shift ? cos > threshold : cos >= threshold;
        col[nnz] = j;
        e[nnz - start] = kept ? (shift ? cos - threshold : cos) / tau : REMOVED_LOGIT;
        nnz++;
      }
    }
    let sum = 0;
    for (let k = 0; k < nnz - start; k++) {
      const v = Math.exp((e[k] as number) - max);
      e[k] = v;
      sum += v;
    }
    let nonZero = 0;
    for (let k = start; k < nnz; k++) {
      const p = Math.fround((e[k - start] as number) / sum);
      value[k] = p;
      if (p !== 0) nonZero++;
    }
    degree[i] = nonZero;
    rowStart[i + 1] = nnz;
  }
  return { rowStart, col: col.subarray(0, nnz), value: value.subarray(0, nnz), degree };
}

/** `iterations` times s <- P s (row i gathers along its own transition row), as sparse vector-matrix products. */
function propagate(p: Transition, m: number, start: Float32Array, iterations: number): Float32Array {
  let s: Float32Array = start;
  let next: Float32Array = new Float32Array(m);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < m; i++) {
      let acc = 0;
      for (let k = p.rowStart[i] as number, end = p.rowStart[i + 1] as number; k < end; k++) {
        acc += (p.value[k] as number) * (s[p.col[k] as number] as number);
      }
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
      const similarity: Float32Array = yield { op: 'cosine', a: x, n: m, d: ctx.d };
      const p = transition(similarity, m, threshold, edge === 'shift', tau);
      const { degree } = p;
      const s = propagate(p, m, rowNorms(x, m, ctx.d), iterations);
      const local = new Float32Array(m);
      for (let i = 0; i < m; i++) {
        local[i] = (s[i] as number) / (degree[i] as number);
        scores[tokens[i] as number] = local[i] as number;
      }
      const order = Int32Array.from({ length: m }, (_, i) => i);
      for (const i of topKSet(local, order, budgets[g] as number)) selected.push(tokens[i] as number);
    }
    return { selected: Int32Array.from(selected), scores, info: { graphs: groups.length, edge } };
  },
});
