import { describe, expect, it } from 'vitest';
import { prune, PruneInputError } from '../src/index.ts';
import { list } from './helpers.ts';

/** 4x4 grid, 2x2 zones; zone 0 (top-left: tokens 0, 1, 4, 5) is aligned with the text, the rest orthogonal. */
function plantedZone(attention?: number[]) {
  const n = 16;
  const zone0 = new Set([0, 1, 4, 5]);
  const clipImageEmbeds = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) clipImageEmbeds.set(zone0.has(i) ? [1, 0] : [0, 1], i * 2);
  return {
    tokens: new Float32Array(n * 2).fill(1), n, d: 2, layout: { views: [{ offset: 0, rows: 4, cols: 4 }] },
    signals: {
      clipImageEmbeds, clipTextEmbed: Float32Array.from([1, 0]), dClip: 2,
      clsAttention: Float32Array.from(attention ?? Array.from({ length: n }, (_, i) => i / n)),
    },
  };
}

const zoneOf = (i: number) => 2 * Math.floor(Math.floor(i / 4) / 2) + Math.floor((i % 4) / 2);
const perZone = (keep: Int32Array) => [0, 1, 2, 3].map((z) => list(keep).filter((i) => zoneOf(i) === z).length);

describe('gridprune', () => {
  it('gives the planted relevant zone the largest budget share (largest remainder of softmax)', () => {
    // rbar = [1, 0, 0, 0], P = softmax = [e, 1, 1, 1] / (e + 3); k = 8: quotas 3.80, 1.40, 1.40, 1.40
    // floors 3 + 1 + 1 + 1 = 6, remainders .80 first, then zone 1 (tie broken by index) -> [4, 2, 1, 1].
    const { keep } = prune('gridprune', plantedZone(), { keep: 8 });
    expect(perZone(keep)).toEqual([4, 2, 1, 1]);
  });

  it('caps a zone at its size and hands the overflow on in order of share', () => {
    // T = 0.01 puts all weight on zone 0: quota 6 > 4 tokens, 2 overflow to zone 1 (equal shares: index order).
    const { keep } = prune('gridprune', plantedZone(), { keep: 6, params: { temperature: 0.01 } });
    expect(perZone(keep)).toEqual([4, 2, 0, 0]);
  });

  it('selects locally by attention when relevance is flat inside the zone', () => {
    // Zone 1 = tokens 2, 3, 6, 7; give token 6 the highest attention there: it is zone 1's pick with k = 5.
    const attention = Array.from({ length: 16 }, () => 0.1);
    attention[6] = 0.9;
    const { keep } = prune('gridprune', plantedZone(attention), { keep: 5, params: { temperature: 0.01 } });
    expect(list(keep)).toEqual([0, 1, 4, 5, 6]);
  });

  it('records the variant, and the llm-embed variant needs the question embeddings instead of CLIP', () => {
    const input = plantedZone();
    expect(prune('gridprune', input, { keep: 4 }).info).toMatchObject({ relevance: 'clip', scope: 'per-view', zoneSize: 2 });
    expect(() => prune('gridprune', input, { keep: 4, params: { relevance: 'llm-embed' } })).toThrow(
      /signals\.textInputEmbeds: missing.*embed_tokens/,
    );
    // llm-embed: tokens 0,1,4,5 point along the question embedding.
    const tokens = new Float32Array(16 * 2);
    for (let i = 0; i < 16; i++) tokens.set([0, 1, 4, 5].includes(i) ? [1, 0] : [0, 1], i * 2);
    const llm = { ...input, tokens, signals: { clsAttention: input.signals.clsAttention, textInputEmbeds: Float32Array.from([1, 0.1, 1, -0.1]), nText: 2 } };
    const result = prune('gridprune', llm, { keep: 4, params: { relevance: 'llm-embed', temperature: 0.01 } });
    expect(list(result.keep)).toEqual([0, 1, 4, 5]);
    expect(result.info.relevance).toBe('llm-embed');
  });

  it('splits the budget by view size, or over one global set of zones', () => {
    const n = 16 + 4;
    const layout = { views: [{ offset: 0, rows: 4, cols: 4 }, { offset: 16, rows: 2, cols: 2 }] };
    const embeds = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) embeds.set(i >= 16 ? [1, 0] : [0, 1], i * 2); // second view is the relevant one
    const input = {
      tokens: new Float32Array(n * 2).fill(1), n, d: 2, layout,
      signals: { clipImageEmbeds: embeds, clipTextEmbed: Float32Array.from([1, 0]), dClip: 2, clsAttention: new Float32Array(n).fill(1) },
    };
    const perView = prune('gridprune', input, { keep: 5 });
    expect(list(perView.keep).filter((i) => i >= 16)).toHaveLength(1); // 5 * 4/20 = 1
    const global = prune('gridprune', input, { keep: 5, params: { scope: 'global', temperature: 0.01 } });
    expect(list(global.keep).filter((i) => i >= 16)).toHaveLength(4);
  });

  it('rejects unknown params and bad values with the field name', () => {
    expect(() => prune('gridprune', plantedZone(), { keep: 4, params: { zone: 3 } })).toThrow(PruneInputError);
    expect(() => prune('gridprune', plantedZone(), { keep: 4, params: { zone: 3 } })).toThrow(/params\.zone: unknown parameter/);
    expect(() => prune('gridprune', plantedZone(), { keep: 4, params: { zoneSize: 0 } })).toThrow(/params\.zoneSize/);
  });
});
