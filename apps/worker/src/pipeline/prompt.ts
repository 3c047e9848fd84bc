import { WorkerInputError } from '../errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { TextTokenizer } from '../model/tokenizer.ts';

export interface PromptParts {
  /** Tokens before the image (BOS first when the model adds one). */
  prefixIds: number[];
  /** Tokens after the image, up to where the answer starts. */
  suffixIds: number[];
  /** The question alone (for signals that read the question's embeddings). */
  questionIds: number[];
  /** The prompt text with the image marker in place, as recorded per sample. */
  text: string;
}

/**
 * Fills the model's template with the question and tokenises the text either side of the image marker separately,
 * as LLaVA's tokenizer_image_token does; the visual tokens go between the two.
 */
export function buildPrompt(manifest: ModelManifest, tokenizer: TextTokenizer, bosId: number | undefined, question: string): PromptParts {
  const { template, imageToken } = manifest.prompt;
  const at = template.indexOf(imageToken);
  if (at < 0 || template.indexOf(imageToken, at + imageToken.length) >= 0) {
    throw new WorkerInputError('model.json field prompt.template', `must contain the image token ${imageToken} exactly once`);
  }
  const fill = (part: string): string => part.split('{question}').join(question);
  const prefix = fill(template.slice(0, at));
  const suffix = fill(template.slice(at + imageToken.length));
  const prefixIds = tokenizer.encode(prefix);
  return {
    prefixIds: bosId === undefined ? prefixIds : [bosId, ...prefixIds],
    suffixIds: tokenizer.encode(suffix),
    questionIds: tokenizer.encode(question),
    text: `${prefix}${imageToken}${suffix}`,
  };
}
