import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModel, type LoadedModel } from '../src/model/load.ts';
import type { FloatTensor, HostTensor } from '../src/onnx/session.ts';
import { inferSample } from '../src/pipeline/infer.ts';
import { commit, newSpan, presents, runSpan } from '../src/pipeline/llm.ts';
import { sliceKv, sliceSequence } from '../src/pipeline/splice.ts';
import { FIXTURES, tempDir, writeImage } from './helpers.ts';

function randomTensor(dims: number[], seed: number): FloatTensor {
  let state = seed;
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return (state / 0x7fffffff - 0.5) * 0.2;
  });
  return { data, dims };
}

const ids = (values: number[]): HostTensor => ({ data: BigInt64Array.from(values.map((v) => BigInt(v))), dims: [1, values.length] });

function lastRow(logits: FloatTensor): Float32Array {
  const vocab = logits.dims[2] ?? 0;
  const t = logits.dims[1] ?? 0;
  return logits.data.slice((t - 1) * vocab, t * vocab);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** Runs a span graph on the full cache with an explicit attention mask (the "tokens masked out" reference). */
async function runMasked(model: LoadedModel, which: 'decoderHead' | 'decoderTail', x: FloatTensor, mask: number[], positions: number[], cache: Record<string, FloatTensor>) {
  const { pruneLayer: k, numLayers } = model.manifest.llm;
  const [first, last] = which === 'decoderHead' ? [0, k] : [k, numLayers];
  const feeds: Record<string, HostTensor> = { [first === 0 ? 'inputs_embeds' : 'hidden_states']: x, attention_mask: ids(mask), position_ids: ids(positions) };
  for (let i = first; i < last; i++) for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = cache[`${i}.${kind}`] as FloatTensor;
  return model.runtime.graphs[which].run(feeds);
}

describe('llm-layer stage: slicing hidden states and the head KV cache', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await openModel(FIXTURES.llava15, { threads: 1 });
  });
  afterAll(async () => {
    await model.close();
  });

  it('a pruned run equals a run where the dropped tokens are masked out, at prefill and over cached decode steps', async () => {
    const { manifest } = model;
    const width = manifest.llm.hiddenSize;
    const t = 14;
    const x = randomTensor([1, t, width], 11);
    const positions = Array.from({ length: t }, (_, i) => i);
    const kept = Int32Array.from([0, 1, 2, 5, 6, 9, 12, 13]);
    const keepMask = positions.map((p) => (kept.includes(p) ? 1 : 0));

    // Pruned path: the worker's span code with the splice functions.
    const head = newSpan(model.runtime.graphs.decoderHead, manifest, 0, manifest.llm.pruneLayer);
    const tail = newSpan(model.runtime.graphs.decoderTail, manifest, manifest.llm.pruneLayer, manifest.llm.numLayers);
    const headOut = await runSpan(head, x, positions);
    const fullHeadCache = presents(head, headOut);
    const slicedCache = Object.fromEntries(Object.entries(fullHeadCache).map(([n, v]) => [n, sliceKv(v, kept)]));
    commit(head, slicedCache, t - 1);
    const hidden = sliceSequence(headOut.hidden_states as FloatTensor, kept);
    const tailPositions = Array.from(kept);
    const tailOut = await runSpan(tail, hidden, tailPositions);
    commit(tail, presents(tail, tailOut), t - 1);

    // Reference: nothing sliced, the dropped positions masked out of the tail and of every later step.
    const refTail = await runMasked(model, 'decoderTail', headOut.hidden_states as FloatTensor, keepMask, positions, Object.fromEntries(
      Object.keys(tail.cache).map((name) => [name, { data: new Float32Array(0), dims: [1, manifest.llm.numKvHeads, 0, manifest.llm.headDim] }]),
    ));
    expect(maxAbsDiff(lastRow(tailOut.logits as FloatTensor), lastRow(refTail.logits as FloatTensor))).toBeLessThan(1e-4);

    let refHeadCache = fullHeadCache;
    let refTailCache: Record<string, FloatTensor> = {};
    for (let i = manifest.llm.pruneLayer; i < manifest.llm.numLayers; i++) {
      for (const kind of ['key', 'value']) refTailCache[`${i}.${kind}`] = refTail[`present.${i}.${kind}`] as FloatTensor;
    }
    let mask = keepMask;
    for (let step = 0; step < 3; step++) {
      const e = randomTensor([1, 1, width], 100 + step);
      const position = t + step;
      const h = await runSpan(head, e, [head.nextPosition]);
      commit(head, presents(head, h), head.nextPosition);
      const out = await runSpan(tail, h.hidden_states as FloatTensor, [tail.nextPosition]);
      commit(tail, presents(tail, out), tail.nextPosition);

      mask = [...mask, 1];
      const rh = await runMasked(model, 'decoderHead', e, mask, [position], refHeadCache);
      expect(maxAbsDiff((h.hidden_states as FloatTensor).data, (rh.hidden_states as FloatTensor).data)).toBeLessThan(1e-4);
      const rt = await runMasked(model, 'decoderTail', rh.hidden_states as FloatTensor, mask, [position], refTailCache);
      expect(maxAbsDiff(lastRow(out.logits as FloatTensor), lastRow(rt.logits as FloatTensor))).toBeLessThan(1e-4);
      refHeadCache = Object.fromEntries(Object.keys(refHeadCache).map((n) => [n, rh[`present.${n}`] as FloatTensor]));
      refTailCache = Object.fromEntries(Object.keys(refTailCache).map((n) => [n, rt[`present.${n}`] as FloatTensor]));
    }
  });

  it('pruning at layer K with keep = all equals no pruning, in both policies', async () => {
    const image = await writeImage(join(tempDir('img'), 'x.png'), 64, 100, 5);
    const ref = await inferSample(model, image, 'how many objects are there?', { method: 'none', keep: 'all' }, { maxNewTokens: 5 });
    for (const policy of ['preserve', 'compact'] as const) {
      const run = await inferSample(model, image, 'how many objects are there?', { method: 'fastv', keep: 576, policy }, { maxNewTokens: 5 });
      expect(run.generatedIds).toEqual(ref.generatedIds);
      expect(run.flops).toBe(ref.flops);
    }
  });
});
