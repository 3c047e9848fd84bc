import { pyStrip } from './vqa-normalisation.ts';

export type YesNo = 'yes' | 'no';

/** lmms-eval's POPE parser: the whole output, lower-cased and stripped, must be exactly "yes" or "no". */
export function parsePopeStrict(prediction: string): YesNo | null {
  const text = pyStrip(prediction.toLowerCase());
  return text === 'yes' || text === 'no' ? text : null;
}

/**
 * LLaVA's POPE parser (llava/eval/eval_pope.py): keep the first sentence (up to the first "."), drop commas, split on
 * single spaces; "No", "no" or "not" among the words means no, anything else yes. It never fails to decide.
 */
export function parsePopeLenient(prediction: string): YesNo {
  const firstSentence = prediction.includes('.') ? prediction.split('.')[0]! : prediction;
  const words = firstSentence.replaceAll(',', '').split(' ');
  return words.includes('No') || words.includes('not') || words.includes('no') ? 'no' : 'yes';
}

/**
 * lmms-eval's MME parser: lower-case, strip, drop periods; "yes"/"no" as is; a single character "y"/"n"; otherwise
 * "yes" (then "no") anywhere in the first 4 characters; else "other".
 */
export function parseMmeAnswer(prediction: string): YesNo | 'other' {
  const text = pyStrip(prediction.toLowerCase()).replaceAll('.', '');
  if (text === 'yes' || text === 'no') return text;
  const chars = Array.from(text);
  if (chars.length === 1) return text === 'y' ? 'yes' : text === 'n' ? 'no' : 'other';
  const prefix = chars.slice(0, 4).join('');
  if (prefix.includes('yes')) return 'yes';
  if (prefix.includes('no')) return 'no';
  return 'other';
}
