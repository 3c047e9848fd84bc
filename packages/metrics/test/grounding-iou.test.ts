import { describe, expect, it } from 'vitest';
import { groundingIouMetric } from '../src/metrics/grounding-iou.ts';
import { iou, parseFirstBox } from '../src/parsers/box.ts';
import { scoreAll } from '../src/registry.ts';

describe('grounding IoU', () => {
  it('reads the first [a,b,c,d] in the output', () => {
    expect(parseFirstBox('The dog is at [0.1, 0.2, 0.5, .9] and [0,0,1,1]')).toEqual([0.1, 0.2, 0.5, 0.9]);
    expect(parseFirstBox('[12,40,100,200]')).toEqual([12, 40, 100, 200]);
    expect(parseFirstBox('no box here [1, 2, 3]')).toBeNull();
  });

  it('computes IoU (hand-computed)', () => {
    expect(iou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 15);
    expect(iou([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(iou([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
  });

  it("converts the model's scale to the sample's before comparing", () => {
    const pixels = { id: 'r', box: [100, 50, 300, 250] as [number, number, number, number], boxScale: 'pixels' as const, meta: { imageWidth: 400, imageHeight: 500 } };
    // same box on InternVL's 0-1000 grid: x/400*1000, y/500*1000
    expect(groundingIouMetric.scoreSample('<box>[250, 100, 750, 500]</box>', pixels, 'internvl-1000').parsed?.iou).toBeCloseTo(1, 12);
    expect(groundingIouMetric.scoreSample('[0.25, 0.1, 0.75, 0.5]', pixels, 'normalised').score).toBe(1);
    // read in the sample's own scale, the normalised answer is a tiny box: wrong
    expect(groundingIouMetric.scoreSample('[0.25, 0.1, 0.75, 0.5]', pixels).score).toBe(0);
    const noSize = { ...pixels, meta: {} };
    expect(() => groundingIouMetric.scoreSample('[0,0,1,1]', noSize, 'normalised')).toThrow('field "meta.imageWidth"');
  });

  it('reports accuracy at IoU >= 0.5 and mean IoU', () => {
    const sample = { id: 'n', box: [0, 0, 0.5, 0.5] as [number, number, number, number], boxScale: 1 };
    const { aggregate } = scoreAll(groundingIouMetric, [
      { prediction: '[0, 0, 0.5, 0.5]', sample },
      { prediction: '[0, 0, 0.5, 0.25]', sample }, // IoU 0.5: correct
      { prediction: 'somewhere left', sample },
    ]);
    expect(aggregate.score).toBeCloseTo(2 / 3, 15);
    expect(aggregate.meanIou).toBeCloseTo(0.5, 15);
    expect(aggregate.unparsed).toBeCloseTo(1 / 3, 15);
  });
});
