import { extractOptionLetter } from '../parsers/option-letter.ts';
import { type Metric, MetricInputError, checkVariant, mean, requireField } from '../types.ts';

/**
 * Multiple choice (MMBench, ScienceQA-IMG, SEED, MMMU): the option letter is extracted from the output by pattern
 * (see parsers/option-letter.ts) and compared with the answer letter. Aggregation is MMBench's circular
 * evaluation: samples sharing `questionId` are rotations of one question, which counts only when all are right (a
 * sample without `questionId` is its own group, so plain benchmarks get plain accuracy).
 */
export const multipleChoiceMetric: Metric = {
  id: 'multiple-choice',
  higherIsBetter: true,
  variants: ['pattern'],
  describe: { pattern: 'leading letter, "answer is X", a lone option letter, then a unique option text' },
  scoreSample(prediction, sample, variant) {
    checkVariant(this, variant);
    const answer = requireField(sample, 'answer', this.id).trim().toUpperCase();
    const choices = requireField(sample, 'choices', this.id);
    if (!/^[A-Z]$/.test(answer)) {
      throw new MetricInputError(`sample "${sample.id}": field "answer" must be an option letter for metric multiple-choice`);
    }
    const extracted = extractOptionLetter(prediction, choices);
    return {
      score: extracted?.letter === answer ? 1 : 0,
      parsed: { letter: extracted?.letter ?? null, rule: extracted?.rule ?? null },
    };
  },
  aggregate(scored) {
    const groups = new Map<string, { ok: boolean; category: string | undefined }>();
    for (const s of scored) {
      const key = s.sample.questionId ?? `id:${s.sample.id}`;
      const previous = groups.get(key);
      groups.set(key, { ok: (previous?.ok ?? true) && s.score === 1, category: s.sample.category });
    }
    const byCategory = new Map<string, boolean[]>();
    for (const g of groups.values()) {
      if (g.category === undefined) continue;
      byCategory.set(g.category, [...(byCategory.get(g.category) ?? []), g.ok]);
    }
    const perCategory = Object.fromEntries(
      [...byCategory].sort(([a], [b]) => a.localeCompare(b)).map(([c, oks]) => [`category/${c}`, mean(oks.map(Number))]),
    );
    return {
      score: mean([...groups.values()].map((g) => (g.ok ? 1 : 0))),
      accuracy: mean(scored.map((s) => s.score)),
      unparsed: mean(scored.map((s) => (s.parsed?.letter === null ? 1 : 0))),
      questions: groups.size,
      samples: scored.length,
      ...perCategory,
    };
  },
};
