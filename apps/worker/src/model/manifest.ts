import { z } from 'zod';

/** model.json of docs/model-format.md (`prunebench-model/1`). Unknown extra keys (export provenance...) are kept. */
const graphs = z.object({
  vision: z.string().default('vision.onnx'),
  projector: z.string().default('projector.onnx'),
  textEncoder: z.string().optional(),
  embedTokens: z.string().default('embed_tokens.onnx'),
  decoderHead: z.string().default('decoder_head.onnx'),
  decoderTail: z.string().default('decoder_tail.onnx'),
});

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const modelManifestSchema = z.looseObject({
  format: z.literal('prunebench-model/1'),
  name: z.string().min(1),
  family: z.enum(['llava-1.5', 'llava-next', 'internvl-2.5']),
  dtype: z.enum(['float32', 'float16']).default('float32'),
  graphs,
  vision: z.looseObject({
    imageSize: z.number().int().positive(),
    patchSize: z.number().int().positive(),
    /** Tokens per side of one view after the tower (InternVL: after pixel shuffle). */
    grid: z.number().int().positive(),
    hiddenSize: z.number().int().positive(),
    clipDim: z.number().int().positive().optional(),
  }),
  llm: z.looseObject({
    hiddenSize: z.number().int().positive(),
    numLayers: z.number().int().positive(),
    numHeads: z.number().int().positive(),
    numKvHeads: z.number().int().positive(),
    headDim: z.number().int().positive(),
    vocabSize: z.number().int().positive(),
    pruneLayer: z.number().int().positive(),
    intermediateSize: z.number().int().positive(),
  }),
  preprocess: z.looseObject({
    mode: z.enum(['pad-square', 'resize-crop', 'anyres', 'tiles']),
    size: z.number().int().positive(),
    mean: rgb,
    std: rgb,
    resample: z.enum(['bicubic', 'bilinear', 'nearest']).default('bicubic'),
    pinpoints: z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])).optional(),
    maxTiles: z.number().int().positive().optional(),
    minTiles: z.number().int().positive().optional(),
    thumbnail: z.boolean().optional(),
  }),
  imageNewline: z.string().optional(),
  prompt: z.object({
    template: z.string(),
    imageToken: z.string().min(1),
    addBos: z.boolean().default(true),
    /** Optional explicit BOS token; otherwise the tokenizer's `<s>`, `<|begin_of_text|>` or `<bos>`. */
    bosToken: z.string().optional(),
    stop: z.array(z.string()).default([]),
    maxNewTokens: z.number().int().positive().default(16),
  }),
  tokenizer: z.string().default('tokenizer.json'),
  textEncoder: z.object({ tokenizer: z.string(), maxLength: z.number().int().positive() }).optional(),
  signals: z.object({
    clsAttention: z.boolean().default(false),
    clipImageEmbeds: z.boolean().default(false),
    clipTextEmbed: z.boolean().default(false),
    lastTokenAttention: z.boolean().default(false),
    keyNorms: z.boolean().default(false),
    hiddenStates: z.boolean().default(false),
  }),
  unavailableSignals: z.record(z.string(), z.string()).default({}),
  grounding: z.object({ boxScale: z.union([z.number().positive(), z.literal('pixels')]) }).optional(),
  contentHash: z.string().default(''),
});

export type ModelManifest = z.output<typeof modelManifestSchema>;
export type ModelFamily = ModelManifest['family'];
export type ManifestSignals = ModelManifest['signals'];
