/**
 * Option-letter extraction for multiple-choice outputs, in the spirit of VLMEvalKit's `can_infer` and LLaVA's
 * ScienceQA script: explicit forms first, then a lone option letter among the words, then a unique option text.
 */

export type ExtractionRule = 'leading-letter' | 'answer-phrase' | 'lone-letter' | 'option-text';

export interface ExtractedOption {
  letter: string;
  rule: ExtractionRule;
}

export function optionLetters(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String.fromCharCode(65 + i));
}

/** "B", "B.", "(B)", "B) a cat", "B: a cat" at the very start. "A cat sits" is not a letter (the article). */
const LEADING_LETTER = /^[([]?([A-Z])(?:[)\]]|[.:](?!\w)|$)/;
/** "The answer is (C)", "Answer: C", "option C", "choice: (C)". */
const ANSWER_PHRASE = /(?:[Aa]nswer|[Oo]ption|[Cc]hoice)(?:\s+is)?\s*:?\s*(?:[Oo]ption\s+)?[([]?([A-Z])(?![A-Za-z0-9])/;
/** Characters VLMEvalKit turns into spaces before looking for a lone letter. */
const SEPARATORS = /[.()[\],:;!*#{}]/g;

export function extractOptionLetter(prediction: string, choices: readonly string[]): ExtractedOption | null {
  const letters = optionLetters(choices.length);
  const text = prediction.trim();
  const valid = (letter: string | undefined): letter is string => letter !== undefined && letters.includes(letter);

  const leading = LEADING_LETTER.exec(text)?.[1];
  if (valid(leading)) return { letter: leading, rule: 'leading-letter' };

  const phrase = ANSWER_PHRASE.exec(text)?.[1];
  if (valid(phrase)) return { letter: phrase, rule: 'answer-phrase' };

  const words = text.replace(SEPARATORS, ' ').split(/\s+/).filter((w) => w !== '');
  const lone = letters.filter((l) => words.includes(l));
  // A lone "A" in a longer sentence is usually the article, as VLMEvalKit also warns.
  if (lone.length === 1 && !(lone[0] === 'A' && words.length > 3)) return { letter: lone[0]!, rule: 'lone-letter' };

  const lower = text.toLowerCase();
  const byText = letters.filter((_, i) => {
    const option = choices[i]!.trim().toLowerCase();
    return option !== '' && lower.includes(option);
  });
  if (byText.length === 1) return { letter: byText[0]!, rule: 'option-text' };
  // Several options are substrings ("red" in "dark red"): accept only an exact whole-answer match.
  const exact = letters.filter((_, i) => choices[i]!.trim().toLowerCase() === lower.replace(/[.\s]+$/, ''));
  if (exact.length === 1) return { letter: exact[0]!, rule: 'option-text' };
  return null;
}
