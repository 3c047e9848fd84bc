import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';

/**
 * A field naming a file of the model folder. An empty string would resolve to the folder itself (onnxruntime and
 * readFile then fail with EISDIR or "model path is a directory", naming neither field nor file), and a path leaving
 * the folder escapes the content hash: both are refused here, where the message can name the field.
 */
const modelFile = z
  .string()
  .min(1, 'is empty: name a file in the model folder')
  .refine((path) => !isAbsolute(path) && !path.split(/[\\/]/).includes('..'), {
    message: 'must be a path inside the model folder (relative, no ..)',
  });

/** model.json of docs/model-format.md (`prunebench-model/1`). Unknown extra keys (export provenance...) are kept. */
const graphs = z.object({
  vision: modelFile.default('vision.onnx'),
  projector: modelFile.default('projector.onnx'),
  textEncoder: modelFile.optional(),
  embedTokens: modelFile.default('embed_tokens.onnx'),
  decoderHead: modelFile.default('decoder_head.onnx'),
  decoderTail: modelFile.default('decoder_tail.onnx'),
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
  imageNewline: modelFile.optional(),
  prompt: z.object({
    template: z.string(),
    imageToken: z.string().min(1),
    addBos: z.boolean().default(true),
    /** Optional explicit BOS token; otherwise the tokenizer's `<s>`, `<|begin_of_text|>` or `<bos>`. */
    bosToken: z.string().optional(),
    stop: z.array(z.string()).default([]),
    maxNewTokens: z.number().int().positive().default(16),
  }),
  tokenizer: modelFile.default('tokenizer.json'),
  textEncoder: z.object({ tokenizer: modelFile, maxLength: z.number().int().positive() }).optional(),
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

/** Every file-valued field of a parsed manifest, as [field path, relative file]. */
export function manifestFiles(manifest: ModelManifest): Array<[string[], string]> {
  const files: Array<[string[], string]> = Object.entries(manifest.graphs).flatMap(([key, file]) => (file === undefined ? [] : [[['graphs', key], file] as [string[], string]]));
  files.push([['tokenizer'], manifest.tokenizer]);
  if (manifest.textEncoder) files.push([['textEncoder', 'tokenizer'], manifest.textEncoder.tokenizer]);
  if (manifest.imageNewline !== undefined) files.push([['imageNewline'], manifest.imageNewline]);
  return files;
}

function fileProblem(path: string): string | undefined {
  const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
  try {
    return statSync(path).isFile() ? undefined : `${shown} is not a regular file`;
  } catch {
    return `${shown} does not exist`;
  }
}

/** The manifest schema of the model folder `dir`: also every file-valued field names a regular file inside it. */
export function modelManifestSchemaIn(dir: string) {
  return modelManifestSchema.superRefine((manifest, ctx) => {
    for (const [path, file] of manifestFiles(manifest)) {
      const problem = fileProblem(join(dir, file));
      if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
    }
  });
}
