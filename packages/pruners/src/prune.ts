import { PruneInputError } from './errors.ts';
import { serveAsync, serveSync, tsLinalg, type AsyncLinalgBackend, type LinalgBackend } from './linalg/backend.ts';
import { mergeAscending } from './linalg/select.ts';
import { methods, type MethodId } from './registry.ts';
import type { MethodContext, MethodOutput, MethodRun, MethodSpec, PruneInput, PruneOptions, PruneResult } from './types.ts';
import { buildContext } from './validate.ts';

export function getMethod(name: string): MethodSpec {
  if (!Object.hasOwn(methods, name)) {
    throw new PruneInputError('method', `unknown method '${name}' (known: ${Object.keys(methods).join(', ')})`);
  }
  return methods[name as MethodId] as unknown as MethodSpec;
}

/** Signals `name` needs with these params (variants such as GridPrune's `relevance` change them). */
export function requiredSignals(name: string, params?: Record<string, unknown>): readonly string[] {
  const method = getMethod(name);
  const parsed = method.params.safeParse(params ?? {});
  return parsed.success ? method.needsFor(parsed.data) : method.needs;
}

function isGenerator(run: MethodRun | MethodOutput): run is MethodRun {
  return typeof (run as Partial<MethodRun>).next === 'function';
}

/**
 * The kept tokens' features, packed in `keep` order: merged tokens from their new features, the others copied
 * from the input in runs of consecutive indices (one copy per run instead of one per row: at 640 of 2880 tokens
 * of 4096 floats the per-row copies and closures cost ~2 ms).
 */
function keptTokens(ctx: MethodContext<unknown>, keep: Int32Array, merged: MethodOutput['merged']): Float32Array {
  const { d, n } = ctx;
  const mergedRow = new Int32Array(n).fill(-1);
  merged?.indices.forEach((i, m) => {
    mergedRow[i] = m;
  });
  const tokens = new Float32Array(keep.length * d);
  for (let row = 0; row < keep.length; ) {
    const first = keep[row] as number;
    const m = mergedRow[first] as number;
    if (m !== -1 && merged) {
      tokens.set(merged.features.subarray(m * d, m * d + d), row * d);
      row++;
      continue;
    }
    let end = row + 1;
    while (end < keep.length && keep[end] === first + (end - row) && mergedRow[keep[end] as number] === -1) end++;
    tokens.set(ctx.tokens.subarray(first * d, (first + end - row) * d), row * d);
    row = end;
  }
  return tokens;
}

/**
 * The sorted kept indices, checked: a method that selects a token twice, an alwaysKeep token, or the wrong count is
 * a bug in the method, not bad input. A strictly ascending selection (top-k methods on ascending candidates) is
 * merged with alwaysKeep in O(k), skipping the O(n) marking pass that was a fifth of FastV's time.
 */
function keptIndices(ctx: MethodContext<unknown>, method: MethodSpec, selected: Int32Array): Int32Array {
  if (selected.length !== ctx.budget) {
    throw new Error(`${method.id} selected ${selected.length} tokens, expected ${ctx.budget}`);
  }
  if (isStrictlyAscendingIn(selected, ctx.n)) {
    if (ctx.alwaysKeep.length === 0) return selected.slice();
    const keep = mergeAscending(selected, selected.length, ctx.alwaysKeep);
    // Not strictly ascending only where the two share an index: the marking pass below names it.
    if (isStrictlyAscendingIn(keep, ctx.n)) return keep;
  }
  const mark = new Uint8Array(ctx.n);
  for (let t = 0; t < ctx.alwaysKeep.length; t++) mark[ctx.alwaysKeep[t] as number] = 1;
  for (let t = 0; t < selected.length; t++) {
    const i = selected[t] as number;
    if (mark[i]) throw new Error(`${method.id} selected token ${i} twice or selected an alwaysKeep token`);
    mark[i] = 1;
  }
  const keep = new Int32Array(ctx.budget + ctx.alwaysKeep.length);
  let t = 0;
  for (let i = 0; i < ctx.n; i++) if (mark[i]) keep[t++] = i;
  return keep;
}

function isStrictlyAscendingIn(indices: Int32Array, n: number): boolean {
  let previous = -1;
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t] as number;
    if (i <= previous) return false;
    previous = i;
  }
  return previous < n;
}

function isKept(keep: Int32Array, i: number): boolean {
  let lo = 0;
  let hi = keep.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = keep[mid] as number;
    if (k === i) return true;
    if (k < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function finish(ctx: MethodContext<unknown>, method: MethodSpec, output: MethodOutput, packTokens = true): PruneResult {
  const keep = keptIndices(ctx, method, output.selected);
  const result: PruneResult = { keep, info: { method: method.id, ...output.info } };
  if (output.scores) result.scores = output.scores;
  if (output.merged) {
    for (const i of output.merged.indices) {
      if (!isKept(keep, i)) throw new Error(`${method.id} merged into token ${i}, which it did not keep`);
    }
    result.merged = output.merged;
  }
  if (method.merges && packTokens) result.tokens = keptTokens(ctx, keep, output.merged);
  return result;
}

/**
 * Prune synchronously. Pure: same input, same output. Heavy similarity runs on `backend` (pure TS by default,
 * fine up to a few hundred tokens; for LLaVA-NeXT sizes use `pruneAsync` with an onnxruntime backend).
 */
export function prune(name: string, input: PruneInput, options: PruneOptions, backend: LinalgBackend = tsLinalg): PruneResult {
  const method = getMethod(name);
  const ctx = buildContext(method, input, options);
  const run = method.run(ctx);
  if (!isGenerator(run)) return finish(ctx, method, run, options.packTokens);
  let step = run.next();
  while (!step.done) step = run.next(serveSync(backend, step.value));
  return finish(ctx, method, step.value, options.packTokens);
}

/** Same as `prune`, with the similarity products computed by an asynchronous backend (onnxruntime, a GPU). */
export async function pruneAsync(
  name: string,
  input: PruneInput,
  options: PruneOptions,
  backend: AsyncLinalgBackend | LinalgBackend = tsLinalg,
): Promise<PruneResult> {
  const method = getMethod(name);
  const ctx = buildContext(method, input, options);
  const run = method.run(ctx);
  if (!isGenerator(run)) return finish(ctx, method, run, options.packTokens);
  let step = run.next();
  while (!step.done) step = run.next(await serveAsync(backend, step.value));
  return finish(ctx, method, step.value, options.packTokens);
}
