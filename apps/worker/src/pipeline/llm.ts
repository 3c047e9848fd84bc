import type { ModelManifest } from '../model/manifest.ts';
import type { ModelRuntime } from '../model/load.ts';
import type { FloatTensor, GraphSession, HostTensor } from '../onnx/session.ts';

/** One decoder span (head: layers < K, tail: layers >= K) with its KV cache and its own position counter. */
export interface SpanState {
  readonly graph: GraphSession;
  readonly inputName: 'inputs_embeds' | 'hidden_states';
  readonly first: number;
  readonly last: number;
  cache: Record<string, FloatTensor>;
  /** Tokens in the cache. */
  length: number;
  /** Position id the next token gets (each span continues its own numbering). */
  nextPosition: number;
}

export function newSpan(graph: GraphSession, manifest: ModelManifest, first: number, last: number): SpanState {
  const { numKvHeads, headDim } = manifest.llm;
  const cache: Record<string, FloatTensor> = {};
  for (let i = first; i < last; i++) {
    for (const kind of ['key', 'value']) cache[`${i}.${kind}`] = { data: new Float32Array(0), dims: [1, numKvHeads, 0, headDim] };
  }
  return { graph, inputName: first === 0 ? 'inputs_embeds' : 'hidden_states', first, last, cache, length: 0, nextPosition: 0 };
}

function int64(values: ArrayLike<number>): HostTensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i] as number);
  return { data, dims: [1, values.length] };
}

/** An all-ones attention mask: every cached and new token is attended (padding never occurs, batch 1). */
function onesMask(length: number): HostTensor {
  return { data: new BigInt64Array(length).fill(1n), dims: [1, length] };
}

/** The span's present.* outputs, keyed `<layer>.<key|value>`. */
export function presents(span: SpanState, outputs: Record<string, FloatTensor>): Record<string, FloatTensor> {
  const cache: Record<string, FloatTensor> = {};
  for (let i = span.first; i < span.last; i++) {
    for (const kind of ['key', 'value']) {
      const tensor = outputs[`present.${i}.${kind}`];
      if (!tensor) throw new Error(`${span.graph.file}: output present.${i}.${kind} missing`);
      cache[`${i}.${kind}`] = tensor;
    }
  }
  return cache;
}

/**
 * Runs the span on `x` ([1, T, D]) at the given positions over its cache. Returns every fetched output; the caller
 * commits the new cache (possibly sliced) with `commit`.
 */
export async function runSpan(span: SpanState, x: FloatTensor, positions: readonly number[], extra: readonly string[] = []): Promise<Record<string, FloatTensor>> {
  const t = x.dims[1] ?? 0;
  const feeds: Record<string, HostTensor> = {
    [span.inputName]: x,
    attention_mask: onesMask(span.length + t),
    position_ids: int64(positions),
  };
  for (let i = span.first; i < span.last; i++) {
    for (const kind of ['key', 'value'] as const) feeds[`past_key_values.${i}.${kind}`] = span.cache[`${i}.${kind}`] as FloatTensor;
  }
  const fetch = [span.first === 0 ? 'hidden_states' : 'logits', ...extra];
  for (let i = span.first; i < span.last; i++) fetch.push(`present.${i}.key`, `present.${i}.value`);
  return span.graph.run(feeds, fetch);
}

/** Replaces the span's cache and advances its position counter past `lastPosition`. */
export function commit(span: SpanState, cache: Record<string, FloatTensor>, lastPosition: number): void {
  span.cache = cache;
  const any = Object.values(cache)[0];
  span.length = any ? (any.dims[2] ?? 0) : 0;
  span.nextPosition = lastPosition + 1;
}

export async function embedIds(runtime: ModelRuntime, ids: readonly number[], width: number): Promise<Float32Array> {
  if (ids.length === 0) return new Float32Array(0);
  const out = await runtime.graphs.embedTokens.run({ input_ids: int64(ids) }, ['inputs_embeds']);
  const embeds = out.inputs_embeds;
  if (!embeds || embeds.data.length !== ids.length * width) throw new Error('embed_tokens.onnx: unexpected inputs_embeds shape');
  return embeds.data;
}

/** Greedy choice on the last row of logits [1, T, V]; ties go to the lower id. */
export function argmaxLast(logits: FloatTensor): number {
  const vocab = logits.dims[2] ?? 0;
  const t = logits.dims[1] ?? 0;
  const base = (t - 1) * vocab;
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < vocab; v++) {
    const value = logits.data[base + v] as number;
    if (value > bestValue) {
      bestValue = value;
      best = v;
    }
  }
  return best;
}

export interface DecodeOptions {
  maxNewTokens: number;
  stopIds: ReadonlySet<number>;
  stopStrings: readonly string[];
  decode(ids: readonly number[]): string;
}

/** Greedy decoding with both caches, from the first token chosen at prefill. Stop tokens are not part of the answer. */
export async function greedyDecode(
  runtime: ModelRuntime,
  width: number,
  head: SpanState,
  tail: SpanState,
  firstToken: number,
  opts: DecodeOptions,
): Promise<number[]> {
  const generated: number[] = [];
  let token = firstToken;
  while (true) {
    if (opts.stopIds.has(token)) break;
    generated.push(token);
    if (generated.length >= opts.maxNewTokens) break;
    if (opts.stopStrings.length > 0) {
      const text = opts.decode(generated);
      if (opts.stopStrings.some((s) => text.includes(s))) break;
    }
    const x: FloatTensor = { data: await embedIds(runtime, [token], width), dims: [1, 1, width] };
    const headOut = await runSpan(head, x, [head.nextPosition]);
    commit(head, presents(head, headOut), head.nextPosition);
    const hidden = headOut.hidden_states as FloatTensor;
    const tailOut = await runSpan(tail, hidden, [tail.nextPosition]);
    commit(tail, presents(tail, tailOut), tail.nextPosition);
    token = argmaxLast(tailOut.logits as FloatTensor);
  }
  return generated;
}

/** Cuts the answer at the first stop string (stop strings that are not single tokens). */
export function cutAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}
