import type { SignalName, Signals } from '@prunebench/pruners';
import { SignalUnavailableError } from '../errors.ts';
import type { LoadedModel } from '../model/load.ts';
import { priorFor } from '../model/prior.ts';
import type { FloatTensor } from '../onnx/session.ts';
import type { VisualPlan } from '../families/types.ts';
import { embedIds } from './llm.ts';
import { gatherRows, gatherValues } from './splice.ts';
import { sequenceRows, sequenceValues, type VisionOutputs } from './visual.ts';

/** Which model.json signal provides each pruner signal (undefined: every model provides it). */
const PROVIDED_BY: Record<SignalName, keyof LoadedModel['signals'] | undefined> = {
  clsAttention: 'clsAttention',
  patchFeatures: undefined,
  clipImageEmbeds: 'clipImageEmbeds',
  clipTextEmbed: 'clipTextEmbed',
  textInputEmbeds: undefined,
  lastTokenAttention: 'lastTokenAttention',
  attentionPrior: 'attentionPrior',
  hiddenStates: 'hiddenStates',
  textHiddenStates: 'hiddenStates',
  keyNorms: 'keyNorms',
};

/** Signals read from the decoder head: only a method of the llm-layer stage can have them. */
export const LAYER_SIGNALS: ReadonlySet<SignalName> = new Set(['lastTokenAttention', 'hiddenStates', 'textHiddenStates', 'keyNorms']);

/** Fails before any work when the model cannot provide a signal the method needs. */
export function checkSignals(model: LoadedModel, method: string, needs: readonly SignalName[]): void {
  for (const signal of needs) {
    const key = PROVIDED_BY[signal];
    if (key === undefined || model.signals[key]) continue;
    const reason =
      key === 'attentionPrior'
        ? `no ${'attention_prior.json'} in ${model.dir}; run \`prunebench calibrate --model ${model.dir} --images N --bench DIR\``
        : (model.manifest.unavailableSignals[signal] ?? model.manifest.unavailableSignals[key] ?? `model.json signals.${key} is false`);
    throw new SignalUnavailableError(signal, model.name, `method ${method} needs signal ${signal}, which model ${model.name} does not provide: ${reason}`);
  }
}

export interface EarlySignalInput {
  model: LoadedModel;
  plan: VisualPlan;
  vision: VisionOutputs;
  question: string;
  questionIds: readonly number[];
}

/** Signals available before the LLM (vision tower, CLIP text tower, token embeddings, stored prior). */
export async function earlySignals(needs: readonly SignalName[], input: EarlySignalInput): Promise<Signals> {
  const { model, plan, vision } = input;
  const { runtime, manifest } = model;
  const signals: Signals = {};
  const n = plan.source.length;
  for (const name of needs) {
    if (name === 'clsAttention') signals.clsAttention = sequenceValues(plan, vision.clsAttention);
    else if (name === 'patchFeatures') {
      signals.patchFeatures = sequenceRows(plan, vision.patchRows, vision.dPatch);
      signals.dPatch = vision.dPatch;
    } else if (name === 'clipImageEmbeds' && vision.clipRows) {
      signals.clipImageEmbeds = sequenceRows(plan, vision.clipRows, vision.dClip);
      signals.dClip = vision.dClip;
    } else if (name === 'clipTextEmbed') signals.clipTextEmbed = await clipTextEmbed(model, input.question);
    else if (name === 'textInputEmbeds') {
      signals.textInputEmbeds = await embedIds(runtime, input.questionIds, manifest.llm.hiddenSize);
      signals.nText = input.questionIds.length;
    } else if (name === 'attentionPrior' && runtime.prior) {
      signals.attentionPrior = priorFor(runtime.prior, plan.layoutKey, plan.layout, n).values;
    }
  }
  if (signals.clipTextEmbed && signals.dClip === undefined) signals.dClip = signals.clipTextEmbed.length;
  return signals;
}

async function clipTextEmbed(model: LoadedModel, question: string): Promise<Float32Array> {
  const { runtime, manifest } = model;
  const encoder = runtime.graphs.textEncoder;
  const tokenizer = runtime.textTokenizer;
  if (!encoder || !tokenizer) throw new Error('text encoder not loaded');
  let ids = tokenizer.encodeWithSpecials(question);
  const maxLength = manifest.textEncoder?.maxLength ?? ids.length;
  // CLIP reads its last (EOT) token: keep it when truncating.
  if (ids.length > maxLength) ids = [...ids.slice(0, maxLength - 1), ids[ids.length - 1] as number];
  const out = await encoder.run({ input_ids: { data: BigInt64Array.from(ids.map((v) => BigInt(v))), dims: [1, ids.length] } }, ['text_embeds']);
  const embeds = out.text_embeds;
  if (!embeds) throw new Error(`${encoder.file}: missing text_embeds`);
  return embeds.data;
}

export interface LayerSignalInput {
  hidden: FloatTensor;
  headOutputs: Record<string, FloatTensor>;
  prefix: number;
  visual: number;
  suffix: number;
}

/** Signals read from the decoder head's prefill outputs (sequence = prefix + visual + suffix). */
export function layerSignals(needs: readonly SignalName[], input: LayerSignalInput): Signals {
  const { hidden, headOutputs, prefix, visual, suffix } = input;
  const width = hidden.dims[2] ?? 0;
  const visualRows = Array.from({ length: visual }, (_, i) => prefix + i);
  const suffixRows = Array.from({ length: suffix }, (_, j) => prefix + visual + j);
  const signals: Signals = {};
  for (const name of needs) {
    if (name === 'lastTokenAttention') {
      const row = headOutputs.last_token_attention;
      if (row) signals.lastTokenAttention = gatherValues(row.data, visualRows);
    } else if (name === 'hiddenStates') signals.hiddenStates = gatherRows(hidden.data, width, visualRows);
    else if (name === 'textHiddenStates') {
      signals.textHiddenStates = gatherRows(hidden.data, width, suffixRows);
      signals.nText = suffix;
    } else if (name === 'keyNorms') {
      const norms = headOutputs.key_norms;
      if (norms) signals.keyNorms = gatherValues(norms.data, [...visualRows, ...suffixRows]);
    }
  }
  if (signals.keyNorms && signals.nText === undefined) signals.nText = suffix;
  return signals;
}
