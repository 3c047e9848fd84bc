import { WorkerInputError } from '../errors.ts';
import type { GraphSession } from '../onnx/session.ts';
import type { ModelManifest } from './manifest.ts';

export type GraphKey = keyof ModelManifest['graphs'];

function kvNames(prefix: string, first: number, last: number): string[] {
  const names: string[] = [];
  for (let i = first; i < last; i++) names.push(`${prefix}.${i}.key`, `${prefix}.${i}.value`);
  return names;
}

/** Input and output names each graph must have under docs/model-format.md, given the manifest. */
export function expectedNames(key: GraphKey, manifest: ModelManifest): { inputs: string[]; outputs: string[] } {
  const { pruneLayer: k, numLayers } = manifest.llm;
  switch (key) {
    case 'vision':
      return {
        inputs: ['pixel_values'],
        outputs: ['patch_features', 'cls_attention', ...(manifest.signals.clipImageEmbeds ? ['clip_image_embeds'] : [])],
      };
    case 'projector':
      return { inputs: ['patch_features'], outputs: ['visual_tokens'] };
    case 'textEncoder':
      return { inputs: ['input_ids'], outputs: ['text_embeds'] };
    case 'embedTokens':
      return { inputs: ['input_ids'], outputs: ['inputs_embeds'] };
    case 'decoderHead':
      return {
        inputs: ['inputs_embeds', 'attention_mask', 'position_ids', ...kvNames('past_key_values', 0, k)],
        outputs: [
          'hidden_states',
          ...(manifest.signals.lastTokenAttention ? ['last_token_attention'] : []),
          ...(manifest.signals.keyNorms ? ['key_norms'] : []),
          ...kvNames('present', 0, k),
        ],
      };
    case 'decoderTail':
      return {
        inputs: ['hidden_states', 'attention_mask', 'position_ids', ...kvNames('past_key_values', k, numLayers)],
        outputs: ['logits', ...kvNames('present', k, numLayers)],
      };
  }
}

/** A graph whose inputs/outputs do not match the layout is a one-line error naming the file and the name. */
export function checkGraph(key: GraphKey, session: GraphSession, manifest: ModelManifest): void {
  const { inputs, outputs } = expectedNames(key, manifest);
  const missingIn = inputs.filter((name) => !session.inputNames.includes(name));
  if (missingIn.length > 0) {
    throw new WorkerInputError(
      session.file,
      `graph inputs do not match the layout: missing ${missingIn.slice(0, 3).join(', ')}${missingIn.length > 3 ? ', ...' : ''} ` +
        `(has ${session.inputNames.slice(0, 6).join(', ')}${session.inputNames.length > 6 ? ', ...' : ''})`,
    );
  }
  const extraIn = session.inputNames.filter((name) => !inputs.includes(name));
  if (extraIn.length > 0) {
    throw new WorkerInputError(session.file, `graph has inputs the layout does not define: ${extraIn.slice(0, 3).join(', ')}`);
  }
  const missingOut = outputs.filter((name) => !session.outputNames.includes(name));
  if (missingOut.length > 0) {
    throw new WorkerInputError(session.file, `graph outputs do not match the layout: missing ${missingOut.slice(0, 3).join(', ')}`);
  }
}
