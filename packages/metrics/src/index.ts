export * from './types.ts';
export * from './registry.ts';
export { normaliseVqaPrediction, normaliseVqaAnswers, vqaAccuracy } from './parsers/vqa-normalisation.ts';
export { parsePopeStrict, parsePopeLenient, parseMmeAnswer } from './parsers/yes-no.ts';
export { extractOptionLetter } from './parsers/option-letter.ts';
export { parseFirstBox, iou } from './parsers/box.ts';
export { MME_PERCEPTION, MME_COGNITION } from './metrics/mme.ts';
export * from './score-input.ts';
