import { describe, expect, it } from 'vitest';
import { prune, PruneInputError, requiredSignals } from '../src/index.ts';
import { gridLayout, nextLayout, randomInput } from './helpers.ts';

const list = (a: ArrayLike<number>) => Array.from(a);
const input = () => randomInput(9, 2, gridLayout(3, 3), 1);
const fails = (f: () => unknown, pattern: RegExp) => {
  expect(f).toThrow(PruneInputError);
  expect(f).toThrow(pattern);
};

describe('bad input names the field', () => {
  it('lengths, non-finite values, sizes', () => {
    fails(() => prune('fastv', { ...input(), tokens: new Float32Array(17) }, { keep: 2 }), /^tokens: has length 17, expected n\*d = 18/);
    const bad = input();
    bad.tokens[5] = Number.NaN;
    fails(() => prune('gprune', bad, { keep: 2 }), /^tokens: entry 5 is NaN/);
    const inf = input();
    inf.signals = { ...inf.signals, lastTokenAttention: Float32Array.from([1, 1, Infinity, 1, 1, 1, 1, 1, 1]) };
    fails(() => prune('fastv', inf, { keep: 2 }), /^signals\.lastTokenAttention: entry 2 is Infinity/);
    fails(() => prune('fastv', { ...input(), signals: { ...input().signals, hiddenStates: new Float32Array(3) } }, { keep: 2 }), /^signals\.hiddenStates: has length 3/);
    fails(() => prune('fastv', { ...input(), n: 0 }, { keep: 1 }), /^n: must be an integer >= 1/);
  });

  it('VisionZip finds non-finite tokens although its scan rides on its similarity product', () => {
    // every token role (dominant, contextual target, merged other) on the product path (one view), off it (a
    // LLaVA-NeXT layout) and with no contextual tokens; zeros around the bad entry so no product term hides it
    const single = () => randomInput(16, 4, gridLayout(4, 4), 3);
    for (const token of [0, 5, 9, 15]) {
      for (const value of [Number.NaN, Infinity, -Infinity]) {
        const bad = single();
        bad.tokens.fill(0, token * 4, token * 4 + 4);
        bad.tokens[token * 4 + 1] = value;
        fails(() => prune('visionzip', bad, { keep: 6 }), new RegExp(`^tokens: entry ${token * 4 + 1} is ${value}`));
        fails(() => prune('visionzip', bad, { keep: 4, params: { dominantRatio: 1 } }), /^tokens: entry/);
      }
    }
    const { layout, n } = nextLayout(2, 3, 2);
    const multi = randomInput(n, 2, layout, 1);
    multi.tokens[7] = Number.NaN;
    fails(() => prune('visionzip', multi, { keep: 8 }), /^tokens: entry 7 is NaN/);
    // a second bad field is reported after the tokens, as with the scan up front
    const both = single();
    both.tokens[2] = Number.NaN;
    fails(() => prune('visionzip', both, { keep: 99 }), /^tokens: entry 2 is NaN/);
    // finite rows whose sums overflow are not an error
    const huge = single();
    huge.tokens.fill(3e38, 0, 4);
    expect(prune('visionzip', huge, { keep: 6 }).keep).toHaveLength(6);
  });

  it('keep outside [1, n] or below alwaysKeep', () => {
    fails(() => prune('random', input(), { keep: 0 }), /^keep: must be an integer in \[1, 9\]/);
    fails(() => prune('random', input(), { keep: 10 }), /^keep:/);
    fails(() => prune('random', input(), { keep: 2.5 }), /^keep:/);
    const { layout, n } = nextLayout(2, 3, 2);
    fails(() => prune('random', randomInput(n, 2, layout, 1), { keep: 2 }), /^keep: must be an integer in \[3, 13\] \(layout\.alwaysKeep has 3 tokens\)/);
  });

  it('layouts that do not partition the tokens', () => {
    fails(() => prune('random', { ...input(), layout: { views: [{ offset: 0, rows: 3, cols: 4 }] } }, { keep: 2 }), /^layout\.views\[0\]: reaches token 11/);
    fails(() => prune('random', { ...input(), layout: { views: [{ offset: 0, rows: 2, cols: 3 }] } }, { keep: 2 }), /^layout: token 6 is in no view/);
    fails(() => prune('random', { ...input(), layout: { views: [{ offset: 0, rows: 3, cols: 3 }], alwaysKeep: [4] } }, { keep: 2 }), /^layout\.alwaysKeep\[0\]: token 4 is also in layout\.views\[0\]/);
  });

  it('a layout that was valid once is still checked by its content (resolved layouts are reused by content)', () => {
    const shared = { views: [{ offset: 0, rows: 3, cols: 3 }], alwaysKeep: [] as number[] };
    expect(list(prune('uniform', { ...input(), layout: shared }, { keep: 9 }).keep)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    shared.alwaysKeep = [4];
    fails(() => prune('uniform', { ...input(), layout: shared }, { keep: 2 }), /^layout\.alwaysKeep\[0\]: token 4 is also in layout\.views\[0\]/);
    shared.views = [{ offset: 0, rows: 1, cols: 4 }, { offset: 5, rows: 1, cols: 4 }];
    expect(list(prune('uniform', { ...input(), layout: shared }, { keep: 9 }).keep)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(prune('uniform', { ...input(), layout: shared }, { keep: 3 }).keep).toContain(4);
  });

  it('missing signals name the stage that provides them', () => {
    fails(() => prune('fastervlm', { ...input(), signals: {} }, { keep: 2 }), /^signals\.clsAttention: missing, and fastervlm needs it; it is provided by the vision tower/);
    fails(() => prune('dart', { ...input(), signals: {} }, { keep: 2 }), /^signals\.keyNorms: .*decoder head at layer K-1/);
    fails(() => prune('cdpruner', { ...input(), signals: { clipImageEmbeds: new Float32Array(9), dClip: 1 } }, { keep: 2 }), /^signals\.clipTextEmbed: .*CLIP text tower/);
    fails(() => prune('fastv', { ...input(), signals: { clipTextEmbed: new Float32Array(2) } }, { keep: 2 }), /^signals\.dClip: is required with signals\.clipTextEmbed/);
    fails(() => prune('fastv', { ...input(), signals: { clsAtention: new Float32Array(9) } as never }, { keep: 2 }), /^signals\.clsAtention: unknown signal/);
  });

  it('unknown methods and params', () => {
    fails(() => prune('fastvv', input(), { keep: 2 }), /^method: unknown method 'fastvv' \(known: gridprune/);
    fails(() => prune('d2pruner', input(), { keep: 2, params: { bta: 1 } }), /^params\.bta: unknown parameter for d2pruner \(known: beta/);
    fails(() => prune('d2pruner', input(), { keep: 2, params: { beta: 'high' } }), /^params\.beta:/);
    fails(() => prune('random', input(), { keep: 2, seed: 0.5 }), /^seed:/);
  });

  it('requiredSignals follows the variant', () => {
    expect(requiredSignals('gridprune')).toEqual(['clipImageEmbeds', 'clipTextEmbed', 'clsAttention']);
    expect(requiredSignals('gridprune', { relevance: 'llm-embed' })).toEqual(['textInputEmbeds', 'clsAttention']);
  });
});
