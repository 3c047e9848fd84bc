import type { SignalName, Signals } from './types.ts';

/** Which length a signal must have, in terms of n, d and the signal's own width fields. */
export type SignalShape = 'n' | 'n*dPatch' | 'n*dClip' | 'dClip' | 'nText*d' | 'n*d' | 'n+nText';

export interface SignalInfo {
  shape: SignalShape;
  /** The pipeline stage (and graph output) that provides the signal: named in missing-signal errors. */
  providedBy: string;
}

/** One entry per signal; the prunebench ONNX layout names are in docs/model-format.md. */
export const SIGNALS: Readonly<Record<SignalName, SignalInfo>> = {
  clsAttention: {
    shape: 'n',
    providedBy:
      'the vision tower (vision.onnx output cls_attention: last-block CLS->patch attention, heads averaged; ' +
      'families without CLS give the mean attention each patch receives)',
  },
  patchFeatures: { shape: 'n*dPatch', providedBy: 'the vision tower (vision.onnx output patch_features, pre-projector)' },
  clipImageEmbeds: {
    shape: 'n*dClip',
    providedBy: 'the vision tower (vision.onnx output clip_image_embeds: post-layernorm + visual projection)',
  },
  clipTextEmbed: { shape: 'dClip', providedBy: 'the CLIP text tower (text_encoder.onnx output text_embeds of the question)' },
  textInputEmbeds: {
    shape: 'nText*d',
    providedBy: 'the LLM token embedding (embed_tokens.onnx output inputs_embeds of the question tokens)',
  },
  lastTokenAttention: {
    shape: 'n',
    providedBy: 'the decoder head at layer K-1 (decoder_head.onnx output last_token_attention, visual slice)',
  },
  attentionPrior: {
    shape: 'n',
    providedBy: 'the model folder (offline positional prior: last_token_attention averaged over many images)',
  },
  hiddenStates: {
    shape: 'n*d',
    providedBy: 'the decoder head (decoder_head.onnx output hidden_states, visual slice: input of layer K)',
  },
  textHiddenStates: {
    shape: 'nText*d',
    providedBy: 'the decoder head (decoder_head.onnx output hidden_states, text tokens after the image)',
  },
  keyNorms: {
    shape: 'n+nText',
    providedBy:
      'the decoder head at layer K-1 (decoder_head.onnx output key_norms: visual slice then the text tokens after the image)',
  },
};

export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

/** A signal the validator has already checked for presence and shape. */
export function requireSignal(signals: Signals, name: SignalName): Float32Array {
  const value = signals[name];
  if (value === undefined) throw new Error(`signal ${name} missing after validation`);
  return value;
}
