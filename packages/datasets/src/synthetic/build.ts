import type { BenchmarkSample } from '../format.ts';
import { BOX_SCALE, makeQuestion, type SceneQuestion, type YesNo } from './questions.ts';
import { renderScene, type RgbImage } from './raster.ts';
import { createRng } from './rng.ts';
import { sampleScene, type Scene } from './scene.ts';
import type { SyntheticSpec } from './spec.ts';
import { FAMILIES, type Family } from './vocabulary.ts';

/** Decoding budget for one-word / number answers; box answers use the header's budget. */
export const SHORT_ANSWER_TOKENS = 8;
export const BOX_ANSWER_TOKENS = 24;

export interface BuiltScene {
  index: number;
  scene: Scene;
  image: RgbImage;
  /** Path of the image relative to the benchmark folder. */
  imagePath: string;
  samples: BenchmarkSample[];
}

/**
 * Running tallies across the split, so that families follow the mix exactly (largest deficit first) and each
 * yes/no family alternates its answers (balanced, whatever the scenes).
 */
export interface FamilyTally {
  total: number;
  asked: Record<Family, number>;
  yes: Record<Family, number>;
  no: Record<Family, number>;
}

export function emptyTally(): FamilyTally {
  const zero = (): Record<Family, number> => Object.fromEntries(FAMILIES.map((f) => [f, 0])) as Record<Family, number>;
  return { total: 0, asked: zero(), yes: zero(), no: zero() };
}

export function sceneKey(spec: SyntheticSpec, index: number): string {
  return `${spec.name}|${spec.split}|${spec.seed}|${spec.size}|${index}`;
}

export function imagePathFor(index: number): string {
  return `images/${String(index).padStart(6, '0')}.png`;
}

/** Families in the order to try for the next question: largest shortfall against the mix first. */
function familyOrder(spec: SyntheticSpec, tally: FamilyTally): Family[] {
  return FAMILIES.filter((f) => spec.mix[f] > 0)
    .map((f, rank) => ({ f, rank, deficit: spec.mix[f] * (tally.total + 1) - tally.asked[f] }))
    .sort((a, b) => b.deficit - a.deficit || a.rank - b.rank)
    .map((x) => x.f);
}

/** Scene `index` of the split with its image and questions; updates `tally` (the only state carried between scenes). */
export function buildScene(spec: SyntheticSpec, index: number, tally: FamilyTally): BuiltScene {
  const key = sceneKey(spec, index);
  const rng = createRng(key);
  const scene = sampleScene(rng, { size: spec.size, minObjects: spec.minObjects, maxObjects: spec.maxObjects });
  const image = renderScene(scene, createRng(`${key}|pixels`));
  const imagePath = imagePathFor(index);
  const questions: SceneQuestion[] = [];
  for (let slot = 0; slot < spec.questionsPerScene; slot++) {
    for (const family of familyOrder(spec, tally)) {
      const want: YesNo = tally.yes[family] <= tally.no[family] ? 'yes' : 'no';
      const q = makeQuestion(family, scene, rng, want);
      if (!q || questions.some((p) => p.question === q.question)) continue;
      questions.push(q);
      tally.total += 1;
      tally.asked[family] += 1;
      if (q.answer === 'yes') tally.yes[family] += 1;
      if (q.answer === 'no') tally.no[family] += 1;
      break;
    }
  }
  const sceneMeta = sceneToMeta(scene, index);
  const samples = questions.map((q, k) => toSample(q, `s${String(index).padStart(6, '0')}q${k}`, imagePath, sceneMeta));
  return { index, scene, image, imagePath, samples };
}

/** The scene as stored in every sample's `meta.scene` (boxes in pixels, x2/y2 exclusive). */
export function sceneToMeta(scene: Scene, index: number): Record<string, unknown> {
  return {
    index,
    width: scene.width,
    height: scene.height,
    boxScale: 'pixels',
    background: scene.background.kind,
    objects: scene.objects.map((o) => ({
      shape: o.shape,
      color: o.color,
      size: o.size,
      rgb: o.rgb,
      center: o.center,
      radius: o.radius,
      box: o.box,
    })),
  };
}

function toSample(q: SceneQuestion, id: string, image: string, scene: Record<string, unknown>): BenchmarkSample {
  const meta = { ...q.detail, scene };
  if (q.metric === 'grounding-iou') {
    return {
      id,
      image,
      question: q.question,
      metric: q.metric,
      answer: q.answer,
      box: q.box!,
      boxScale: BOX_SCALE,
      category: q.family,
      maxNewTokens: BOX_ANSWER_TOKENS,
      meta,
    };
  }
  return {
    id,
    image,
    question: q.question,
    metric: q.metric,
    answer: q.answer,
    category: q.family,
    maxNewTokens: SHORT_ANSWER_TOKENS,
    meta,
  };
}
