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
import { rowNorms, upperRowStart } from '../linalg/cosine.ts';
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

/** Grows an edge list by doubling. */
function grown<T extends Int32Array | Float64Array>(array: T, length: number, make: (size: number) => T): T {
  const bigger = make(array.length * 2);
  bigger.set(array.subarray(0, length));
  return bigger;
}

/**
 * Row softmax of the thresholded logits, from the packed upper triangle of the (symmetric) cosine matrix: a kept
 * pair i <= j is an edge of row i and of row j. Rows are scanned in order, so each row's edges arrive in column
 * order (those left of the diagonal, from earlier rows, first), the order a scan of the full row gives; the
 * counting sort by row below keeps it. A removed edge's exp(-5000 - max) is exactly 0 unless the row's max is
 * itself near -5000 (no kept edge, or an extreme tau); such a row is stored dense, so the result equals the dense
 * computation entry for entry.
 */
function transition(upper: Float32Array, m: number, threshold: number, shift: boolean, tau: number): Transition {
  let edgeRow = new Int32Array(Math.max(16, m * 8));
  let edgeCol = new Int32Array(edgeRow.length);
  let edgeLogit = new Float64Array(edgeRow.length);
  let edges = 0;
  const edgesOf = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const base = upperRowStart(i, m) - i;
    for (let j = i; j < m; j++) {
      const cos = upper[base + j] as number;
      if (shift ? cos > threshold : cos >= threshold) {
        if (edges + 2 > edgeRow.length) {
          edgeRow = grown(edgeRow, edges, (size) => new Int32Array(size));
          edgeCol = grown(edgeCol, edges, (size) => new Int32Array(size));
          edgeLogit = grown(edgeLogit, edges, (size) => new Float64Array(size));
        }
        const logit = (shift ? cos - threshold : cos) / tau;
        edgeRow[edges] = i;
        edgeCol[edges] = j;
        edgeLogit[edges++] = logit;
        edgesOf[i] = (edgesOf[i] as number) + 1;
        if (j !== i) {
          edgeRow[edges] = j;
          edgeCol[edges] = i;
          edgeLogit[edges++] = logit;
          edgesOf[j] = (edgesOf[j] as number) + 1;
        }
      }
    }
  }
  // Stable counting sort by row: CSR of the kept edges, columns ascending within each row.
  const edgeStart = new Int32Array(m + 1);
  for (let i = 0; i < m; i++) edgeStart[i + 1] = (edgeStart[i] as number) + (edgesOf[i] as number);
  const next = edgeStart.slice(0, m);
  const keptCol = new Int32Array(edges);
  const keptLogit = new Float64Array(edges);
  for (let e = 0; e < edges; e++) {
    const at = next[edgeRow[e] as number] as number;
    next[edgeRow[e] as number] = at + 1;
    keptCol[at] = edgeCol[e] as number;
    keptLogit[at] = edgeLogit[e] as number;
  }
  // Each row's max logit decides whether it is stored sparse (its kept edges) or dense (all m entries).
  const rowMax = new Float64Array(m);
  const rowStart = new Int32Array(m + 1);
  for (let i = 0; i < m; i++) {
    let max = -Infinity;
    for (let k = edgeStart[i] as number, end = edgeStart[i + 1] as number; k < end; k++) {
      if ((keptLogit[k] as number) > max) max = keptLogit[k] as number;
    }
    const removed = m - (edgesOf[i] as number);
    if (removed > 0 && REMOVED_LOGIT > max) max = REMOVED_LOGIT;
    rowMax[i] = max;
    const dense = removed > 0 && max < REMOVED_LOGIT + 700;
    rowStart[i + 1] = (rowStart[i] as number) + (dense ? m : (edgesOf[i] as number));
  }
  const nnz = rowStart[m] as number;
  const col = new Int32Array(nnz);
  const value = new Float32Array(nnz);
  const degree = new Float32Array(m);
  const e = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const start = rowStart[i] as number;
    const count = (rowStart[i + 1] as number) - start;
    const first = edgeStart[i] as number;
    if (count === (edgesOf[i] as number)) {
      for (let k = 0; k < count; k++) {
        col[start + k] = keptCol[first + k] as number;
        e[k] = keptLogit[first + k] as number;
      }
    } else {
      // exp(-5000 - max) is not negligible here: keep every entry, as the dense softmax would.
      let k = first;
      const end = edgeStart[i + 1] as number;
      for (let j = 0; j < m; j++) {
        col[start + j] = j;
        if (k < end && keptCol[k] === j) e[j] = keptLogit[k++] as number;
        else e[j] = REMOVED_LOGIT;
      }
    }
    const max = rowMax[i] as number;
    let sum = 0;
    for (let k = 0; k < count; k++) {
      const v = Math.exp((e[k] as number) - max);
      e[k] = v;
      sum += v;
    }
    let nonZero = 0;
    for (let k = 0; k < count; k++) {
      const p = Math.fround((e[k] as number) / sum);
      value[start + k] = p;
      if (p !== 0) nonZero++;
    }
    degree[i] = nonZero;
  }
  return { rowStart, col, value, degree };
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
      const upper: Float32Array = yield { op: 'cosineUpper', a: x, n: m, d: ctx.d };
      const p = transition(upper, m, threshold, edge === 'shift', tau);
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
