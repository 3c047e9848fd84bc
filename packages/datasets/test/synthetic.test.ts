import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBenchmark, type BenchmarkSample } from '../src/format.ts';
import {
  BOX_SCALE,
  COLORS,
  SHAPE_PLURALS,
  ensureSyntheticBenchmark,
  generateSyntheticBenchmark,
  type Shape,
} from '../src/synthetic/index.ts';
import {
  boxOfColor,
  classify,
  countBlobs,
  decodePng,
  imageHashes,
  resolve,
  type Decoded,
  type MetaObject,
  type MetaScene,
} from './synthetic-helpers.ts';

const SCENES = 24;
let root: string;
let testDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synth-test-'));
  testDir = join(root, 'test-a');
  await generateSyntheticBenchmark({ outDir: testDir, split: 'test', scenes: SCENES, seed: 7 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sceneOf = (s: BenchmarkSample): MetaScene => (s.meta as { scene: MetaScene }).scene;
const only = (scene: MetaScene, description: string): MetaObject => {
  const matches = resolve(scene, description);
  expect(matches, `"${description}" must name exactly one object`).toHaveLength(1);
  return matches[0]!;
};
const toScale = (box: readonly number[], size: number): number[] => box.map((v) => Math.round((v * BOX_SCALE) / size));

/** The expected answer, worked out again from the question text and the scene alone. */
function expectedFromScene(s: BenchmarkSample): string {
  const scene = sceneOf(s);
  let m: RegExpMatchArray | null;
  if ((m = s.question.match(/^is there an? (\w+) (\w+)\?$/))) {
    return scene.objects.some((o) => o.color === m![1] && o.shape === m![2]) ? 'yes' : 'no';
  }
  if ((m = s.question.match(/^what color is the (.+)\?$/))) return only(scene, m[1]!).color;
  if ((m = s.question.match(/^what shape is the (.+)\?$/))) return only(scene, m[1]!).shape;
  if ((m = s.question.match(/^how many (\w+) objects are there\?$/))) {
    return String(scene.objects.filter((o) => o.color === m![1]).length);
  }
  if ((m = s.question.match(/^how many (\w+) are there\?$/))) {
    const shape = (Object.keys(SHAPE_PLURALS) as Shape[]).find((k) => SHAPE_PLURALS[k] === m![1]);
    expect(shape, `plural "${m[1]}"`).toBeDefined();
    return String(scene.objects.filter((o) => o.shape === shape).length);
  }
  if ((m = s.question.match(/^is the (.+) (left of|above) the (.+)\?$/))) {
    const a = only(scene, m[1]!);
    const b = only(scene, m[3]!);
    const [lo, hi] = m[2] === 'left of' ? [0, 2] : [1, 3];
    // Only clear-cut pairs are asked: one is entirely before the other along the axis.
    expect(a.box[hi]! <= b.box[lo]! || b.box[hi]! <= a.box[lo]!).toBe(true);
    return a.box[hi]! <= b.box[lo]! ? 'yes' : 'no';
  }
  if ((m = s.question.match(/^give the box of the (.+)\.$/))) {
    return `[${toScale(only(scene, m[1]!).box, scene.width).join(',')}]`;
  }
  throw new Error(`unknown template: ${s.question}`);
}

describe('synthetic benchmark: format and determinism', () => {
  it('writes a valid benchmark folder with the expected header', async () => {
    const bench = await readBenchmark(testDir);
    expect(bench.header.name).toBe('synth-shapes');
    expect(bench.header.split).toBe('test');
    expect(bench.samples).toHaveLength(SCENES * 4);
    expect(new Set(bench.samples.map((s) => s.image)).size).toBe(SCENES);
  });

  it('is byte-identical for the same seed and split, and differs across splits and seeds', async () => {
    const again = join(root, 'test-b');
    const train = join(root, 'train');
    const otherSeed = join(root, 'seed8');
    await generateSyntheticBenchmark({ outDir: again, split: 'test', scenes: SCENES, seed: 7 });
    await generateSyntheticBenchmark({ outDir: train, split: 'train', scenes: SCENES, seed: 7, name: 'synth-shapes' });
    await generateSyntheticBenchmark({ outDir: otherSeed, split: 'test', scenes: SCENES, seed: 8 });
    const jsonl = (dir: string): Promise<string> => readFile(join(dir, 'samples.jsonl'), 'utf8');
    expect(await jsonl(again)).toBe(await jsonl(testDir));
    expect(await imageHashes(again)).toEqual(await imageHashes(testDir));
    for (const dir of [train, otherSeed]) {
      expect(await jsonl(dir)).not.toBe(await jsonl(testDir));
      const a = Object.values(await imageHashes(dir));
      const b = new Set(Object.values(await imageHashes(testDir)));
      expect(a.filter((h) => b.has(h))).toHaveLength(0);
    }
  });

  it('keeps scene i the same whatever the scene count (a small run is a prefix of a larger one)', async () => {
    const small = join(root, 'small');
    await generateSyntheticBenchmark({ outDir: small, split: 'test', scenes: 5, seed: 7 });
    const big = (await readFile(join(testDir, 'samples.jsonl'), 'utf8')).split('\n');
    const few = (await readFile(join(small, 'samples.jsonl'), 'utf8')).split('\n').filter(Boolean);
    expect(few).toEqual(big.slice(0, few.length));
  });

  it('ensureSyntheticBenchmark reuses a matching folder and regenerates a different spec', async () => {
    const dir = join(root, 'ensure');
    const first = await ensureSyntheticBenchmark({ outDir: dir, split: 'test', scenes: 3, seed: 1 });
    expect(first.reused).toBe(false);
    const second = await ensureSyntheticBenchmark({ outDir: dir, split: 'test', scenes: 3, seed: 1 });
    expect(second.reused).toBe(true);
    const third = await ensureSyntheticBenchmark({ outDir: dir, split: 'test', scenes: 4, seed: 1 });
    expect(third.reused).toBe(false);
    expect((await readBenchmark(dir)).samples).toHaveLength(16);
  });

  it('refuses to overwrite a folder it did not make, and names bad options', async () => {
    const foreign = join(root, 'foreign');
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    await expect(generateSyntheticBenchmark({ outDir: foreign, scenes: 1 })).rejects.toThrow(/refusing to overwrite/);
    await expect(generateSyntheticBenchmark({ outDir: join(root, 'bad'), scenes: 0 })).rejects.toThrow(/"scenes"/);
  });
});

describe('synthetic benchmark: answers', () => {
  let samples: BenchmarkSample[];
  const images = new Map<string, Decoded>();
  beforeAll(async () => {
    samples = (await readBenchmark(testDir)).samples;
    for (const s of samples) if (!images.has(s.image)) images.set(s.image, await decodePng(join(testDir, s.image)));
  });

  it('covers every family, with metric and answer shape per family', () => {
    const families = new Set(samples.map((s) => s.category));
    expect([...families].sort()).toEqual(['color', 'count', 'existence', 'localization', 'relation', 'shape']);
    for (const s of samples) {
      if (s.category === 'existence') expect(s.metric).toBe('pope');
      else if (s.category === 'localization') expect(s.metric).toBe('grounding-iou');
      else expect(s.metric).toBe('exact-match');
      if (s.category === 'existence' || s.category === 'relation') expect(s.answer).toMatch(/^(yes|no)$/);
      if (s.category === 'count') expect(s.answer).toMatch(/^\d$/);
      if (s.category === 'color') expect(COLORS as readonly string[]).toContain(s.answer);
      expect(s.question).toBe(s.question.toLowerCase());
    }
  });

  it('balances yes and no exactly per yes/no family', () => {
    for (const family of ['existence', 'relation']) {
      const answers = samples.filter((s) => s.category === family).map((s) => s.answer);
      const yes = answers.filter((a) => a === 'yes').length;
      expect(Math.abs(2 * yes - answers.length)).toBeLessThanOrEqual(1);
    }
  });

  it('asks hard (adversarial) negatives whose colour and shape are both in the scene', () => {
    const hard = samples.filter((s) => (s.meta as { negative?: string }).negative === 'adversarial');
    expect(hard.length).toBeGreaterThan(0);
    for (const s of hard) {
      const [, color, shape] = s.question.match(/^is there an? (\w+) (\w+)\?$/)!;
      const scene = sceneOf(s);
      expect(scene.objects.some((o) => o.color === color)).toBe(true);
      expect(scene.objects.some((o) => o.shape === shape)).toBe(true);
      expect(s.answer).toBe('no');
    }
  });

  it('gives every answer that an independent reading of the scene gives', () => {
    for (const s of samples) expect(s.answer, s.question).toBe(expectedFromScene(s));
    for (const s of samples.filter((x) => x.metric === 'grounding-iou')) {
      expect(s.boxScale).toBe(1000);
      expect(`[${s.box!.join(',')}]`).toBe(s.answer);
    }
  });

  it('matches the pixels: object boxes, colours at the centre, counts of blobs', () => {
    const seen = new Set<string>();
    for (const s of samples) {
      if (seen.has(s.image)) continue;
      seen.add(s.image);
      const img = images.get(s.image)!;
      const scene = sceneOf(s);
      expect([img.width, img.height]).toEqual([scene.width, scene.height]);
      for (const o of scene.objects) {
        // The painted pixels of exactly this colour span exactly the recorded box (nothing else has its colour).
        expect(boxOfColor(img, o.rgb), `${o.color} ${o.shape} in ${s.image}`).toEqual(o.box);
        const cx = Math.floor(o.center[0]);
        const cy = Math.floor(o.center[1]);
        const i = (cy * img.width + cx) * 3;
        const centre = classify(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!);
        // A ring's centre is the background showing through; every other shape is filled there.
        expect(centre).toBe(o.shape === 'ring' ? null : o.color);
      }
      const blobs = countBlobs(img);
      for (const c of COLORS) {
        expect(blobs.get(c) ?? 0, `${c} blobs in ${s.image}`).toBe(scene.objects.filter((o) => o.color === c).length);
      }
    }
  });

  it('localization boxes enclose the target pixels on the 0-1000 grid', () => {
    for (const s of samples.filter((x) => x.metric === 'grounding-iou')) {
      const scene = sceneOf(s);
      const target = scene.objects[(s.meta as { targets: number[] }).targets[0]!]!;
      const pixelBox = boxOfColor(images.get(s.image)!, target.rgb)!;
      expect(s.box).toEqual(toScale(pixelBox, scene.width));
    }
  });
});
