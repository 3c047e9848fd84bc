import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS, METRIC_IDS, getMetric } from '../src/registry.ts';

describe('metric registry', () => {
  it('registers every file in src/metrics under its file name', () => {
    const files = readdirSync(new URL('../src/metrics/', import.meta.url)).filter((f) => f.endsWith('.ts'));
    const ids = files.map((f) => f.replace(/\.ts$/, '')).sort();
    expect([...METRIC_IDS].sort()).toEqual(ids);
    for (const id of METRIC_IDS) expect(METRICS[id].id).toBe(id);
  });

  it('has exactly the metric ids of docs/benchmark-format.md', () => {
    expect([...METRIC_IDS].sort()).toEqual(
      ['anls', 'exact-match', 'grounding-iou', 'mme', 'multiple-choice', 'pope', 'relaxed-accuracy', 'vqa-accuracy'],
    );
  });

  it('every metric has a default variant and a description for each variant', () => {
    for (const id of METRIC_IDS) {
      const m = METRICS[id];
      expect(m.variants.length).toBeGreaterThan(0);
      expect(Object.keys(m.describe).sort()).toEqual([...m.variants].sort());
      expect(m.higherIsBetter).toBe(true);
    }
  });

  it('names the choices for an unknown metric or variant', () => {
    expect(() => getMetric('bleu')).toThrow('unknown metric "bleu" (choose one of vqa-accuracy, exact-match');
    expect(() => getMetric('pope').scoreSample('yes', { id: 'x', answer: 'yes' }, 'loose')).toThrow(
      'metric pope: unknown variant "loose" (choose one of strict, lenient)',
    );
  });

  it('names the sample and field when ground truth is missing', () => {
    expect(() => getMetric('vqa-accuracy').scoreSample('2', { id: 'q7' })).toThrow(
      'sample "q7": field "answers" is required for metric vqa-accuracy',
    );
  });
});
