/**
 * Answer normalisation of the official VQA evaluation (GT-Vision-Lab/VQA, PythonEvaluationTools/vqaEvaluation,
 * the version EvalAI runs), reproduced behaviour for behaviour so scores match it to the digit. Its quirks are kept
 * on purpose and marked "(quirk)".
 */

/** Python's `str.split()`/`str.strip()` whitespace, which differs from JS `\s` (no U+FEFF; adds U+001C-U+001F, U+0085). */
const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`, 'u');
const PY_WS_EDGES = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'gu');

export function pyStrip(text: string): string {
  return text.replace(PY_WS_EDGES, '');
}

export function pySplit(text: string): string[] {
  const stripped = pyStrip(text);
  return stripped === '' ? [] : stripped.split(PY_WS_RUN);
}

/** Removed outright when next to a space or when the text has a digit-comma-digit; otherwise turned into a space. */
const PUNCTUATION = [';', '/', '[', ']', '"', '{', '}', '(', ')', '=', '+', '\\', '_', '-', '>', '<', '@', '`', ',', '?', '!'];

/** Python `re` `\d` on str is any Unicode decimal digit. */
const COMMA_BETWEEN_DIGITS = /\p{Nd},\p{Nd}/u;
/** (quirk) the official pattern meant "a period not between digits" but its look-behind is a look-ahead, so it is
 * "a period not followed by a digit". */
const PERIOD_NOT_BEFORE_DIGIT = /\.(?!\p{Nd})/gu;
/** (quirk) the official call passes `re.UNICODE` (32) where `re.sub` expects `count`: only 32 periods go. */
const PERIOD_REPLACEMENTS = 32;

export function processPunctuation(inText: string): string {
  let out = inText;
  const digitComma = COMMA_BETWEEN_DIGITS.test(inText);
  for (const p of PUNCTUATION) {
    // (quirk) the test looks at the original text, the replacement applies to the running result.
    const remove = inText.includes(`${p} `) || inText.includes(` ${p}`) || digitComma;
    out = out.split(p).join(remove ? '' : ' ');
  }
  let replaced = 0;
  return out.replace(PERIOD_NOT_BEFORE_DIGIT, (match) => (replaced++ < PERIOD_REPLACEMENTS ? '' : match));
}

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  none: '0', zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5',
  six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
};

const ARTICLES = new Set(['a', 'an', 'the']);

/**
 * Apostrophe-less spellings and their fixed forms, as the official table has them (capitalised keys never match
 * after lower-casing; "somebody'd" maps to "somebodyd" there too).
 */
const CONTRACTIONS: Readonly<Record<string, string>> = {
  aint: "ain't", arent: "aren't", cant: "can't", couldve: "could've", couldnt: "couldn't",
  "couldn'tve": "couldn't've", "couldnt've": "couldn't've", didnt: "didn't", doesnt: "doesn't", dont: "don't",
  hadnt: "hadn't", "hadnt've": "hadn't've", "hadn'tve": "hadn't've", hasnt: "hasn't", havent: "haven't",
  hed: "he'd", "hed've": "he'd've", "he'dve": "he'd've", hes: "he's", howd: "how'd", howll: "how'll",
  hows: "how's", "Id've": "I'd've", "I'dve": "I'd've", Im: "I'm", Ive: "I've", isnt: "isn't", itd: "it'd",
  "itd've": "it'd've", "it'dve": "it'd've", itll: "it'll", "let's": "let's", maam: "ma'am", mightnt: "mightn't",
  "mightnt've": "mightn't've", "mightn'tve": "mightn't've", mightve: "might've", mustnt: "mustn't",
  mustve: "must've", neednt: "needn't", notve: "not've", oclock: "o'clock", oughtnt: "oughtn't",
  "ow's'at": "'ow's'at", "'ows'at": "'ow's'at", "'ow'sat": "'ow's'at", shant: "shan't", "shed've": "she'd've",
  "she'dve": "she'd've", "she's": "she's", shouldve: "should've", shouldnt: "shouldn't",
  "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've", "somebody'd": 'somebodyd',
  "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've", somebodyll: "somebody'll",
  somebodys: "somebody's", someoned: "someone'd", "someoned've": "someone'd've", "someone'dve": "someone'd've",
  someonell: "someone'll", someones: "someone's", somethingd: "something'd", "somethingd've": "something'd've",
  "something'dve": "something'd've", somethingll: "something'll", thats: "that's", thered: "there'd",
  "thered've": "there'd've", "there'dve": "there'd've", therere: "there're", theres: "there's", theyd: "they'd",
  "theyd've": "they'd've", "they'dve": "they'd've", theyll: "they'll", theyre: "they're", theyve: "they've",
  twas: "'twas", wasnt: "wasn't", "wed've": "we'd've", "we'dve": "we'd've", weve: "we've", werent: "weren't",
  whatll: "what'll", whatre: "what're", whats: "what's", whatve: "what've", whens: "when's", whered: "where'd",
  wheres: "where's", whereve: "where've", whod: "who'd", "whod've": "who'd've", "who'dve": "who'd've",
  wholl: "who'll", whos: "who's", whove: "who've", whyll: "why'll", whyre: "why're", whys: "why's",
  wont: "won't", wouldve: "would've", wouldnt: "wouldn't", "wouldnt've": "wouldn't've",
  "wouldn'tve": "wouldn't've", yall: "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll",
  "yall'd've": "y'all'd've", "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've", youd: "you'd",
  "youd've": "you'd've", "you'dve": "you'd've", youll: "you'll", youre: "you're", youve: "you've",
};

function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function processDigitArticle(inText: string): string {
  const words = pySplit(inText.toLowerCase())
    .map((w) => lookup(NUMBER_WORDS, w) ?? w)
    .filter((w) => !ARTICLES.has(w));
  return words.map((w) => lookup(CONTRACTIONS, w) ?? w).join(' ');
}

/** What the official evaluation compares: the model's answer after every processing step. */
export function normaliseVqaPrediction(prediction: string): string {
  const flat = pyStrip(prediction.replaceAll('\n', ' ').replaceAll('\t', ' '));
  return processDigitArticle(processPunctuation(flat));
}

/**
 * The annotator answers as compared: only punctuation is processed, and only when they disagree (quirk: the
 * official annotations are already normalised, and unanimous ones are left untouched).
 */
export function normaliseVqaAnswers(answers: readonly string[]): string[] {
  return new Set(answers).size > 1 ? answers.map(processPunctuation) : [...answers];
}

/** Mean over the leave-one-out subsets of min(1, matches among the other answers / 3). */
export function vqaAccuracy(prediction: string, answers: readonly string[]): { score: number; normalised: string } {
  const normalised = normaliseVqaPrediction(prediction);
  const gts = normaliseVqaAnswers(answers);
  let total = 0;
  for (let i = 0; i < gts.length; i++) {
    let matches = 0;
    for (let j = 0; j < gts.length; j++) if (j !== i && gts[j] === normalised) matches++;
    total += Math.min(1, matches / 3);
  }
  return { score: gts.length === 0 ? 0 : total / gts.length, normalised };
}
