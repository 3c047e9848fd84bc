import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { WorkerInputError } from '../errors.ts';

const BOS_CANDIDATES = ['<s>', '<|begin_of_text|>', '<bos>', '<|startoftext|>'];

/** The model folder's tokenizer.json behind the three operations the pipeline needs. */
export interface TextTokenizer {
  /** Token ids of `text`, without special tokens added by the post-processor. */
  encode(text: string): number[];
  /** Token ids with the post-processor's special tokens (CLIP text towers read their EOT token). */
  encodeWithSpecials(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenId(token: string): number | undefined;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WorkerInputError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

export async function loadTokenizer(file: string): Promise<TextTokenizer> {
  if (!existsSync(file)) throw new WorkerInputError(file, 'tokenizer file is missing');
  const json = parseJson(file, await readFile(file, 'utf8'));
  const configFile = join(dirname(file), 'tokenizer_config.json');
  const config = existsSync(configFile) ? parseJson(configFile, await readFile(configFile, 'utf8')) : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config as object);
  } catch (error) {
    throw new WorkerInputError(file, `cannot build the tokenizer (${error instanceof Error ? error.message : String(error)})`);
  }
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    encodeWithSpecials: (text) => tokenizer.encode(text, { add_special_tokens: true }).ids,
    // a model may stop at once (its first token a stop token): @huggingface/tokenizers throws on an empty list
    decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: true })),
    tokenId: (token) => tokenizer.token_to_id(token),
  };
}

/** BOS id for `addBos`: the manifest's explicit token, else the first conventional BOS the vocabulary has. */
export function findBos(tokenizer: TextTokenizer, explicit: string | undefined, where: string): number {
  const candidates = explicit ? [explicit] : BOS_CANDIDATES;
  for (const token of candidates) {
    const id = tokenizer.tokenId(token);
    if (id !== undefined) return id;
  }
  throw new WorkerInputError(where, `addBos is true but the tokenizer has none of ${candidates.join(', ')} (set prompt.bosToken)`);
}
