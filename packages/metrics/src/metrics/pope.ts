import { type YesNo, parsePopeLenient, parsePopeStrict } from '../parsers/yes-no.ts';
import { type Metric, MetricInputError, checkVariant, requireField } from '../types.ts';

function groundTruth(answer: string, id: string): YesNo {
  const gt = answer.trim().toLowerCase();
  if (gt !== 'yes' && gt !== 'no') throw new MetricInputError(`sample "${id}": field "answer" must be "yes" or "no" for metric pope`);
  return gt;
}

/**
 * POPE. `strict` (lmms-eval): only an exact "yes"/"no" counts, anything else is wrong and neither a positive nor a
 * negative prediction. `lenient` (LLaVA's eval_pope.py): first sentence, "no"/"not" anywhere means no, else yes.
 * Positive class = yes. `yesRatio` is the share of outputs read as yes (the POPE paper's; lmms-eval's reports the
 * share of yes labels instead, given here as `labelYesRatio`).
 */
export const popeMetric: Metric = {
  id: 'pope',
  higherIsBetter: true,
  variants: ['strict', 'lenient'],
  describe: {
    strict: 'lmms-eval: the output lower-cased and stripped must be exactly yes or no',
    lenient: "LLaVA eval_pope.py: first sentence; 'no', 'No' or 'not' among its words means no, else yes",
  },
  scoreSample(prediction, sample, variant) {
    const chosen = checkVariant(this, variant);
    const gt = groundTruth(requireField(sample, 'answer', this.id), sample.id);
    const label = chosen === 'lenient' ? parsePopeLenient(prediction) : parsePopeStrict(prediction);
    return { score: label === gt ? 1 : 0, parsed: { label, truth: gt } };
  },
  aggregate(scored) {
    let tp = 0, fp = 0, tn = 0, fn = 0, unparsed = 0, labelYes = 0;
    for (const s of scored) {
      const gt = groundTruth(s.sample.answer ?? '', s.sample.id);
      const label = s.parsed?.label ?? null;
      if (gt === 'yes') labelYes++;
      if (label === 'yes') {
        if (gt === 'yes') tp++;
        else fp++;
      } else if (label === 'no') {
        if (gt === 'no') tn++;
        else fn++;
      } else unparsed++;
    }
    const n = scored.length;
    const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    const accuracy = n > 0 ? (tp + tn) / n : 0;
    return {
      score: accuracy,
      accuracy,
      precision,
      recall,
      f1,
      yesRatio: n > 0 ? (tp + fp) / n : 0,
      labelYesRatio: n > 0 ? labelYes / n : 0,
      unparsed: n > 0 ? unparsed / n : 0,
      samples: n,
    };
  },
};
