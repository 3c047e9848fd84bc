import type { z } from 'zod';
import { PruneInputError } from './errors.ts';
import { viewTokens } from './layout.ts';
import { anyNonFinite } from './linalg/simd.ts';
import { SIGNALS, SIGNAL_NAMES, type SignalShape } from './signals.ts';
import type { MethodContext, MethodSpec, PruneInput, PruneOptions, ResolvedView, SignalName, Signals } from './types.ts';

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function checkCount(field: string, value: unknown, min: number): number {
  if (!isCount(value, min)) throw new PruneInputError(field, `must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/** Type and length always; finiteness (an O(length) scan) only for arrays the method reads. */
function checkArray(field: string, values: unknown, expectedLength: number, lengthText: string, scan: boolean): Float32Array {
  if (!(values instanceof Float32Array)) throw new PruneInputError(field, 'must be a Float32Array');
  if (values.length !== expectedLength) {
    throw new PruneInputError(field, `has length ${values.length}, expected ${lengthText} = ${expectedLength}`);
  }
  if (scan) {
    const bad = firstNonFinite(values);
    if (bad !== -1) throw new PruneInputError(field, `entry ${bad} is ${values[bad]}, not a finite number`);
  }
  return values;
}

/** Index of the first NaN or +-Infinity, or -1. A SIMD pass first (exact, ~8x a scalar loop); the index only on failure. */
function firstNonFinite(values: Float32Array): number {
  if (!anyNonFinite(values)) return -1;
  return values.findIndex((v) => !Number.isFinite(v));
}

type ResolvedLayout = { views: ResolvedView[]; alwaysKeep: Int32Array; candidates: Int32Array };

/**
 * Resolved layouts by content: a sweep prunes thousands of samples with the same few layouts, and the coverage
 * check and candidate list (a few passes over n) were most of a top-k method's time (~0.05 of 0.08 ms at n = 2880).
 * Methods never write into a context's arrays, so sharing them between calls is safe.
 */
const resolvedLayouts = new Map<string, ResolvedLayout>();
const RESOLVED_LAYOUTS_KEPT = 16;

function resolveLayout(input: PruneInput): ResolvedLayout {
  const { layout, n } = input;
  if (typeof layout !== 'object' || layout === null || !Array.isArray(layout.views)) {
    throw new PruneInputError('layout.views', 'must be an array of { offset, rows, cols }');
  }
  if (layout.views.length === 0) throw new PruneInputError('layout.views', 'must list at least one view');
  const views = layout.views.map((view, v) => {
    const field = `layout.views[${v}]`;
    const offset = checkCount(`${field}.offset`, view.offset, 0);
    const rows = checkCount(`${field}.rows`, view.rows, 1);
    const cols = checkCount(`${field}.cols`, view.cols, 1);
    const rowStride = checkCount(`${field}.rowStride`, view.rowStride ?? cols, cols);
    const last = offset + (rows - 1) * rowStride + cols - 1;
    if (last >= n) throw new PruneInputError(field, `reaches token ${last}, beyond n = ${n}`);
    return { offset, rows, cols, rowStride };
  });
  const alwaysKeepList = layout.alwaysKeep ?? [];
  if (!Array.isArray(alwaysKeepList)) throw new PruneInputError('layout.alwaysKeep', 'must be an array of token indices');
  alwaysKeepList.forEach((i, t) => {
    if (!isCount(i, 0) || i >= n) {
      throw new PruneInputError(`layout.alwaysKeep[${t}]`, `must be a token index in [0, ${n - 1}], got ${String(i)}`);
    }
  });
  let key = `${n}|${alwaysKeepList.join(',')}`;
  for (const v of views) key += `|${v.offset},${v.rows},${v.cols},${v.rowStride}`;
  const known = resolvedLayouts.get(key);
  if (known) return known;

  const owner = new Int32Array(n).fill(-2);
  views.forEach((view, v) => {
    for (const i of viewTokens(view)) {
      if (owner[i] !== -2) throw new PruneInputError(`layout.views[${v}]`, `token ${i} is also in layout.views[${owner[i]}]`);
      owner[i] = v;
    }
  });
  alwaysKeepList.forEach((i: number, t) => {
    const field = `layout.alwaysKeep[${t}]`;
    if (owner[i] === -1) throw new PruneInputError(field, `token ${i} is listed twice`);
    if (owner[i] !== -2) throw new PruneInputError(field, `token ${i} is also in layout.views[${owner[i]}]`);
    owner[i] = -1;
  });
  const uncovered = owner.indexOf(-2);
  if (uncovered !== -1) {
    throw new PruneInputError('layout', `token ${uncovered} is in no view and not in alwaysKeep (they must cover 0..n-1)`);
  }
  const alwaysKeep = Int32Array.from(alwaysKeepList).sort();
  const candidates = new Int32Array(n - alwaysKeep.length);
  let t = 0;
  for (const view of views) for (const i of viewTokens(view)) candidates[t++] = i;
  const resolved = { views, alwaysKeep, candidates };
  if (resolvedLayouts.size >= RESOLVED_LAYOUTS_KEPT) resolvedLayouts.delete(resolvedLayouts.keys().next().value as string);
  resolvedLayouts.set(key, resolved);
  return resolved;
}

function expectedLength(shape: SignalShape, n: number, d: number, dims: MethodContext<unknown>['dims']): number {
  switch (shape) {
    case 'n': return n;
    case 'n*d': return n * d;
    case 'n*dPatch': return n * dims.dPatch;
    case 'n*dClip': return n * dims.dClip;
    case 'dClip': return dims.dClip;
    case 'nText*d': return dims.nText * d;
    case 'n+nText': return n + dims.nText;
  }
}

const SIGNAL_FIELDS: ReadonlySet<string> = new Set([...SIGNAL_NAMES, 'dPatch', 'dClip', 'nText']);

function checkSignals(input: PruneInput, method: MethodSpec, needs: readonly SignalName[]): { signals: Signals; dims: MethodContext<unknown>['dims'] } {
  const signals = input.signals ?? {};
  if (typeof signals !== 'object' || signals === null) throw new PruneInputError('signals', 'must be an object');
  for (const key of Object.keys(signals)) {
    if (!SIGNAL_FIELDS.has(key)) {
      throw new PruneInputError(`signals.${key}`, `unknown signal (known: ${[...SIGNAL_FIELDS].join(', ')})`);
    }
  }
  const dimOf = (name: 'dPatch' | 'dClip' | 'nText', usedBy: readonly (keyof Signals)[]): number => {
    const value = signals[name];
    if (value === undefined) {
      const user = usedBy.find((s) => signals[s] !== undefined);
      if (user) throw new PruneInputError(`signals.${name}`, `is required with signals.${user}`);
      return 0;
    }
    return checkCount(`signals.${name}`, value, 1);
  };
  const dims = {
    dPatch: dimOf('dPatch', ['patchFeatures']),
    dClip: dimOf('dClip', ['clipImageEmbeds', 'clipTextEmbed']),
    nText: dimOf('nText', ['textInputEmbeds', 'textHiddenStates']),
  };
  for (const name of needs) {
    if (signals[name as SignalName] === undefined) {
      throw new PruneInputError(
        `signals.${name}`,
        `missing, and ${method.id} needs it; it is provided by ${SIGNALS[name as SignalName].providedBy}`,
      );
    }
  }
  for (const name of SIGNAL_NAMES) {
    const value = signals[name];
    if (value === undefined) continue;
    const shape = SIGNALS[name].shape;
    checkArray(`signals.${name}`, value, expectedLength(shape, input.n, input.d, dims), shape, needs.includes(name));
  }
  return { signals, dims };
}

export function parseParams<S extends z.ZodObject>(method: MethodSpec<S>, params: unknown): z.output<S> {
  const parsed = method.params.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new PruneInputError('params', 'invalid');
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(method.params.shape).join(', ') || 'none';
    throw new PruneInputError(`params.${issue.keys.join(',')}`, `unknown parameter for ${method.id} (known: ${known})`);
  }
  const path = issue.path.length > 0 ? `params.${issue.path.map(String).join('.')}` : 'params';
  throw new PruneInputError(path, issue.message);
}

/** Checks everything `prune` receives and returns what the method sees. Throws PruneInputError naming the field. */
export function buildContext<S extends z.ZodObject>(
  method: MethodSpec<S>,
  input: PruneInput,
  options: PruneOptions,
): MethodContext<z.output<S>> {
  if (typeof input !== 'object' || input === null) throw new PruneInputError('input', 'must be an object');
  const n = checkCount('n', input.n, 1);
  const d = checkCount('d', input.d, 1);
  const params = parseParams(method, options.params);
  const reads = method.readsTokens(params);
  const tokens = checkArray('tokens', input.tokens, n * d, 'n*d', reads === true);
  if (reads !== 'deferred') return checkRest(method, input, options, tokens, params, true);
  try {
    return checkRest(method, input, options, tokens, params, false);
  } catch (error) {
    // Another field is bad too: report the tokens first, as the scan up front would have.
    checkArray('tokens', tokens, n * d, 'n*d', true);
    throw error;
  }
}

/**
 * For methods whose tokens' scan was deferred: returns when `rowSums` (one value per token row, e.g. the product of
 * the tokens with a column of ones, computed alongside a product the method needs anyway) is all finite, since a
 * NaN or Infinity anywhere in a row makes its sum NaN or Infinity. Otherwise (or without `rowSums`) scans the
 * tokens and throws the error the scan up front would have; a sum that overflowed from finite entries passes.
 */
export function confirmFiniteTokens(ctx: MethodContext<unknown>, rowSums?: Float32Array): void {
  if (ctx.tokensChecked) return;
  if (rowSums && rowSums.length === ctx.n && !anyNonFinite(rowSums)) return;
  checkArray('tokens', ctx.tokens, ctx.n * ctx.d, 'n*d', true);
}

function checkRest<S extends z.ZodObject>(
  method: MethodSpec<S>,
  input: PruneInput,
  options: PruneOptions,
  tokens: Float32Array,
  params: z.output<S>,
  tokensChecked: boolean,
): MethodContext<z.output<S>> {
  const { n, d } = input;
  const { views, alwaysKeep, candidates } = resolveLayout(input);
  if (typeof options !== 'object' || options === null) throw new PruneInputError('options', 'must be an object');
  const keep = options.keep;
  const minKeep = Math.max(1, alwaysKeep.length);
  if (!Number.isInteger(keep) || keep < minKeep || keep > n) {
    const why = alwaysKeep.length > 1 ? ` (layout.alwaysKeep has ${alwaysKeep.length} tokens)` : '';
    throw new PruneInputError('keep', `must be an integer in [${minKeep}, ${n}]${why}, got ${String(keep)}`);
  }
  const seed = options.seed === undefined ? 0 : options.seed;
  if (!Number.isInteger(seed)) throw new PruneInputError('seed', `must be an integer, got ${String(seed)}`);
  if (options.packTokens !== undefined && typeof options.packTokens !== 'boolean') {
    throw new PruneInputError('packTokens', `must be a boolean, got ${String(options.packTokens)}`);
  }
  const { signals, dims } = checkSignals(input, method as unknown as MethodSpec, method.needsFor(params));
  return {
    tokens, n, d, views, alwaysKeep, candidates, budget: keep - alwaysKeep.length, params, seed, signals, dims, tokensChecked,
  };
}
