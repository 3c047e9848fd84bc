import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WorkerInputError } from '../errors.ts';
import { families } from '../families/registry.ts';
import type { FamilySpec } from '../families/types.ts';
import { openGraph, runtimeVersion, type GraphSession, type Provider, type SessionOptions } from '../onnx/session.ts';
import { createModelLinalg, type OnnxLinalg } from '../onnx/linalg.ts';
import { checkGraph, type GraphKey } from './graph-contract.ts';
import { modelManifestSchemaIn, type ManifestSignals, type ModelManifest } from './manifest.ts';
import { readPrior, type AttentionPriorFile } from './prior.ts';
import { findBos, loadTokenizer, type TextTokenizer } from './tokenizer.ts';

export interface ModelGraphs {
  vision: GraphSession;
  projector: GraphSession;
  textEncoder?: GraphSession;
  embedTokens: GraphSession;
  decoderHead: GraphSession;
  decoderTail: GraphSession;
}

/** What evaluateSample needs beyond the manifest: sessions, tokenizers, decoded constants. */
export interface ModelRuntime {
  graphs: ModelGraphs;
  family: FamilySpec;
  tokenizer: TextTokenizer;
  textTokenizer?: TextTokenizer;
  bosId?: number;
  stopIds: ReadonlySet<number>;
  /** Stop strings that are not a single token: generation stops when the decoded text contains one. */
  stopStrings: readonly string[];
  imageNewline?: Float32Array;
  prior?: AttentionPriorFile;
  /** The pruners' similarity products on the model's execution provider. */
  linalg: OnnxLinalg;
  provider: Provider;
  threads?: number;
  runtimeVersion: string;
}

export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  name: string;
  contentHash: string;
  /** Signals the model provides (model.json `signals`) plus whether a D2Pruner prior is stored. */
  signals: ManifestSignals & { attentionPrior: boolean };
  runtime: ModelRuntime;
  close(): Promise<void>;
}

export type OpenModelOptions = SessionOptions;

export async function readManifest(dir: string): Promise<ModelManifest> {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw new WorkerInputError(file, 'model.json is missing (is this a prunebench model folder?)');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new WorkerInputError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = modelManifestSchemaIn(dir).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new WorkerInputError(`${file} field ${field}`, issue?.message ?? 'invalid');
  }
  return parsed.data;
}

async function readNewline(dir: string, manifest: ModelManifest): Promise<Float32Array | undefined> {
  if (!manifest.imageNewline) return undefined;
  const file = join(dir, manifest.imageNewline);
  if (!existsSync(file)) throw new WorkerInputError(file, 'imageNewline file is missing');
  const bytes = await readFile(file);
  if (bytes.length !== manifest.llm.hiddenSize * 4) {
    throw new WorkerInputError(file, `holds ${bytes.length} bytes, expected ${manifest.llm.hiddenSize} float32 values`);
  }
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, manifest.llm.hiddenSize);
}

function stopTokens(tokenizer: TextTokenizer, stops: readonly string[]): { ids: Set<number>; strings: string[] } {
  const ids = new Set<number>();
  const strings: string[] = [];
  for (const stop of stops) {
    const id = tokenizer.tokenId(stop);
    if (id !== undefined) ids.add(id);
    else strings.push(stop);
  }
  return { ids, strings };
}

/** Opens a model folder: validates model.json, checks every graph against the layout, loads the tokenizers. */
export async function openModel(dirArg: string, opts: OpenModelOptions = {}): Promise<LoadedModel> {
  const dir = resolve(dirArg);
  const manifest = await readManifest(dir);
  const family = families[manifest.family];
  if (!family.modes.includes(manifest.preprocess.mode)) {
    throw new WorkerInputError(
      `${join(dir, 'model.json')} field preprocess.mode`,
      `'${manifest.preprocess.mode}' is not a ${manifest.family} mode (${family.modes.join(', ')})`,
    );
  }
  const problem = family.checkManifest(manifest);
  if (problem) throw new WorkerInputError(`${join(dir, 'model.json')} field ${problem[0]}`, problem[1]);

  const wanted: GraphKey[] = ['vision', 'projector', 'embedTokens', 'decoderHead', 'decoderTail'];
  if (manifest.graphs.textEncoder && manifest.signals.clipTextEmbed) wanted.push('textEncoder');
  const opened: Partial<ModelGraphs> = {};
  try {
    for (const key of wanted) {
      const session = await openGraph(join(dir, manifest.graphs[key] ?? ''), opts);
      opened[key] = session;
      checkGraph(key, session, manifest);
    }
  } catch (error) {
    await Promise.all(Object.values(opened).map((s) => s.release()));
    throw error;
  }
  const graphs = opened as ModelGraphs;

  const tokenizer = await loadTokenizer(join(dir, manifest.tokenizer));
  const textTokenizer =
    manifest.textEncoder && graphs.textEncoder
      ? manifest.textEncoder.tokenizer === manifest.tokenizer
        ? tokenizer
        : await loadTokenizer(join(dir, manifest.textEncoder.tokenizer))
      : undefined;
  const bosId = manifest.prompt.addBos ? findBos(tokenizer, manifest.prompt.bosToken, `${join(dir, 'model.json')} field prompt.addBos`) : undefined;
  const stops = stopTokens(tokenizer, manifest.prompt.stop);
  const prior = await readPrior(dir);
  const linalg = await createModelLinalg(opts);

  const runtime: ModelRuntime = {
    graphs,
    family,
    tokenizer,
    stopIds: stops.ids,
    stopStrings: stops.strings,
    linalg,
    provider: opts.provider ?? 'cpu',
    runtimeVersion: runtimeVersion(),
  };
  if (textTokenizer) runtime.textTokenizer = textTokenizer;
  if (bosId !== undefined) runtime.bosId = bosId;
  const newline = await readNewline(dir, manifest);
  if (newline) runtime.imageNewline = newline;
  if (prior) runtime.prior = prior;
  if (opts.threads !== undefined) runtime.threads = opts.threads;

  return {
    dir,
    manifest,
    name: manifest.name,
    contentHash: manifest.contentHash,
    signals: { ...manifest.signals, clipTextEmbed: manifest.signals.clipTextEmbed && !!graphs.textEncoder, attentionPrior: !!prior },
    runtime,
    async close() {
      await Promise.all([...Object.values(graphs).map((s: GraphSession) => s.release()), linalg.dispose()]);
    },
  };
}
