import { PruneInputError } from './errors.ts';
import { serveAsync, serveSync, tsLinalg, type AsyncLinalgBackend, type LinalgBackend } from './linalg/backend.ts';
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

function finish(ctx: MethodContext<unknown>, method: MethodSpec, output: MethodOutput): PruneResult {
  const { selected } = output;
  const mark = new Uint8Array(ctx.n);
  for (const i of ctx.alwaysKeep) mark[i] = 1;
  for (const i of selected) {
    if (mark[i]) throw new Error(`${method.id} selected token ${i} twice or selected an alwaysKeep token`);
    mark[i] = 1;
  }
  if (selected.length !== ctx.budget) {
    throw new Error(`${method.id} selected ${selected.length} tokens, expected ${ctx.budget}`);
  }
  const keep = new Int32Array(ctx.budget + ctx.alwaysKeep.length);
  let t = 0;
  for (let i = 0; i < ctx.n; i++) if (mark[i]) keep[t++] = i;
  const result: PruneResult = { keep, info: { method: method.id, ...output.info } };
  if (output.scores) result.scores = output.scores;
  if (method.merges) {
    const { d } = ctx;
    const tokens = new Float32Array(keep.length * d);
    keep.forEach((i, row) => tokens.set(ctx.tokens.subarray(i * d, i * d + d), row * d));
    if (output.merged) {
      const rowOf = new Map<number, number>();
      keep.forEach((i, row) => rowOf.set(i, row));
      output.merged.indices.forEach((i, m) => {
        const row = rowOf.get(i);
        if (row === undefined) throw new Error(`${method.id} merged into token ${i}, which it did not keep`);
        tokens.set(output.merged?.features.subarray(m * d, m * d + d) ?? [], row * d);
      });
    }
    result.tokens = tokens;
  }
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
  if (!isGenerator(run)) return finish(ctx, method, run);
  let step = run.next();
  while (!step.done) step = run.next(serveSync(backend, step.value));
  return finish(ctx, method, step.value);
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
  if (!isGenerator(run)) return finish(ctx, method, run);
  let step = run.next();
  while (!step.done) step = run.next(await serveAsync(backend, step.value));
  return finish(ctx, method, step.value);
}
