import { WorkerInputError } from '../errors.ts';
import type { GraphSession, TensorInfo } from '../onnx/session.ts';
import type { ModelManifest } from './manifest.ts';

export type GraphKey = keyof ModelManifest['graphs'];

/** One static dimension the layout fixes, and where its size comes from (named in the error). */
interface DimRule {
  size: number;
  from: string;
}

/** Element type class and shape of one tensor; an undefined dimension is dynamic (V, N, T, P) and not checked. */
interface TensorRule {
  kind: 'int64' | 'float';
  shape: readonly (DimRule | undefined)[];
}

interface GraphRules {
  inputs: Record<string, TensorRule>;
  outputs: Record<string, TensorRule>;
}

const field = (size: number, name: string): DimRule => ({ size, from: `model.json ${name}` });

function kvRules(prefix: string, first: number, last: number, manifest: ModelManifest): Record<string, TensorRule> {
  const kv: TensorRule = { kind: 'float', shape: [undefined, field(manifest.llm.numKvHeads, 'llm.numKvHeads'), undefined, field(manifest.llm.headDim, 'llm.headDim')] };
  const rules: Record<string, TensorRule> = {};
  for (let i = first; i < last; i++) rules[`${prefix}.${i}.key`] = rules[`${prefix}.${i}.value`] = kv;
  return rules;
}

/**
 * Inputs and outputs each graph must have under docs/model-format.md, given the manifest, with the dimensions that
 * model.json fixes. Checked when the model opens: a graph copied from another model (other sizes, other layer split)
 * otherwise loads fine and only fails at the first sample with onnxruntime's message, which names neither.
 */
export function expectedTensors(key: GraphKey, manifest: ModelManifest): GraphRules {
  const { pruneLayer: k, numLayers, hiddenSize, vocabSize } = manifest.llm;
  const ids: TensorRule = { kind: 'int64', shape: [undefined, undefined] };
  const perPosition: TensorRule = { kind: 'float', shape: [undefined, undefined] };
  const llmWide: TensorRule = { kind: 'float', shape: [undefined, undefined, field(hiddenSize, 'llm.hiddenSize')] };
  const perView = field(manifest.vision.grid ** 2, 'vision.grid (squared)');
  const dv = field(manifest.vision.hiddenSize, 'vision.hiddenSize');
  const clip = manifest.vision.clipDim === undefined ? undefined : field(manifest.vision.clipDim, 'vision.clipDim');
  switch (key) {
    case 'vision': {
      const size = field(manifest.preprocess.size, 'preprocess.size');
      const outputs: Record<string, TensorRule> = {
        patch_features: { kind: 'float', shape: [undefined, perView, dv] },
        cls_attention: { kind: 'float', shape: [undefined, perView] },
      };
      if (manifest.signals.clipImageEmbeds) outputs.clip_image_embeds = { kind: 'float', shape: [undefined, perView, clip] };
      return { inputs: { pixel_values: { kind: 'float', shape: [undefined, { size: 3, from: 'the layout (RGB)' }, size, size] } }, outputs };
    }
    case 'projector':
      return { inputs: { patch_features: { kind: 'float', shape: [undefined, undefined, dv] } }, outputs: { visual_tokens: llmWide } };
    case 'textEncoder':
      return { inputs: { input_ids: ids }, outputs: { text_embeds: { kind: 'float', shape: [undefined, clip] } } };
    case 'embedTokens':
      return { inputs: { input_ids: ids }, outputs: { inputs_embeds: llmWide } };
    case 'decoderHead': {
      const outputs: Record<string, TensorRule> = { hidden_states: llmWide };
      if (manifest.signals.lastTokenAttention) outputs.last_token_attention = perPosition;
      if (manifest.signals.keyNorms) outputs.key_norms = perPosition;
      return {
        inputs: { inputs_embeds: llmWide, attention_mask: ids, position_ids: ids, ...kvRules('past_key_values', 0, k, manifest) },
        outputs: { ...outputs, ...kvRules('present', 0, k, manifest) },
      };
    }
    case 'decoderTail':
      return {
        inputs: { hidden_states: llmWide, attention_mask: ids, position_ids: ids, ...kvRules('past_key_values', k, numLayers, manifest) },
        outputs: {
          logits: { kind: 'float', shape: [undefined, undefined, field(vocabSize, 'llm.vocabSize')] },
          ...kvRules('present', k, numLayers, manifest),
        },
      };
  }
}

/** Input and output names each graph must have under docs/model-format.md, given the manifest. */
export function expectedNames(key: GraphKey, manifest: ModelManifest): { inputs: string[]; outputs: string[] } {
  const { inputs, outputs } = expectedTensors(key, manifest);
  return { inputs: Object.keys(inputs), outputs: Object.keys(outputs) };
}

const shapeText = (shape: readonly (number | string)[]): string => `[${shape.map((d) => (typeof d === 'number' ? d : d.length > 12 ? '?' : d)).join(',')}]`;

/** The first way `info` breaks `rule`, as a message; undefined when it fits. Undeclared shapes are not judged. */
function tensorProblem(what: string, rule: TensorRule, info: TensorInfo | undefined): string | undefined {
  if (!info) return undefined;
  const typeOk = rule.kind === 'int64' ? info.type === 'int64' : info.type === 'float32' || info.type === 'float16';
  if (!typeOk) return `${what} has type ${info.type}, the layout says ${rule.kind === 'int64' ? 'int64' : 'float32 or float16'}`;
  if (info.shape.length === 0) return undefined;
  if (info.shape.length !== rule.shape.length) return `${what} has shape ${shapeText(info.shape)}, the layout says rank ${rule.shape.length}`;
  for (const [axis, dim] of rule.shape.entries()) {
    const actual = info.shape[axis];
    if (dim && typeof actual === 'number' && actual > 0 && actual !== dim.size) {
      return `${what} has shape ${shapeText(info.shape)}: dimension ${axis} is ${actual}, ${dim.from} says ${dim.size} (a graph from another model?)`;
    }
  }
  return undefined;
}

/** Names a cache tensor off the layer split comes from llm.pruneLayer / llm.numLayers: say so with the error. */
function layerHint(key: GraphKey, manifest: ModelManifest, names: readonly string[]): string {
  if (!names.some((name) => /^(past_key_values|present)\.\d+\./.test(name))) return '';
  const { pruneLayer: k, numLayers } = manifest.llm;
  const span = key === 'decoderHead' ? `0..${k - 1}` : `${k}..${numLayers - 1}`;
  return ` (model.json llm.pruneLayer ${k}, llm.numLayers ${numLayers}: this graph holds layers ${span})`;
}

/**
 * A graph whose inputs/outputs do not match the layout or model.json (names, element types, static sizes, layer
 * split) is a one-line error naming the file, the tensor and the model.json field.
 */
export function checkGraph(key: GraphKey, session: GraphSession, manifest: ModelManifest): void {
  const rules = expectedTensors(key, manifest);
  const inputs = Object.keys(rules.inputs);
  const outputs = Object.keys(rules.outputs);
  const missingIn = inputs.filter((name) => !session.inputNames.includes(name));
  if (missingIn.length > 0) {
    throw new WorkerInputError(
      session.file,
      `graph inputs do not match the layout: missing ${missingIn.slice(0, 3).join(', ')}${missingIn.length > 3 ? ', ...' : ''} ` +
        `(has ${session.inputNames.slice(0, 6).join(', ')}${session.inputNames.length > 6 ? ', ...' : ''})${layerHint(key, manifest, missingIn)}`,
    );
  }
  const extraIn = session.inputNames.filter((name) => !inputs.includes(name));
  if (extraIn.length > 0) {
    throw new WorkerInputError(session.file, `graph has inputs the layout does not define: ${extraIn.slice(0, 3).join(', ')}${layerHint(key, manifest, extraIn)}`);
  }
  const missingOut = outputs.filter((name) => !session.outputNames.includes(name));
  if (missingOut.length > 0) {
    throw new WorkerInputError(session.file, `graph outputs do not match the layout: missing ${missingOut.slice(0, 3).join(', ')}${layerHint(key, manifest, missingOut)}`);
  }
  for (const [side, named, info] of [['input', rules.inputs, session.inputInfo], ['output', rules.outputs, session.outputInfo]] as const) {
    for (const [name, rule] of Object.entries(named)) {
      const problem = tensorProblem(`${side} ${name}`, rule, info.get(name));
      if (problem) throw new WorkerInputError(session.file, problem);
    }
  }
}
