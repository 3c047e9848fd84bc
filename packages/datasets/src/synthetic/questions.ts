import { describe, describeWithoutColor, describeWithoutShape } from './describe.ts';
import type { Rng } from './rng.ts';
import type { PixelBox, Scene } from './scene.ts';
import { COLORS, SHAPE_PLURALS, SHAPES, type Family } from './vocabulary.ts';

export type YesNo = 'yes' | 'no';
export type SyntheticMetric = 'pope' | 'exact-match' | 'grounding-iou';

export interface SceneQuestion {
  family: Family;
  question: string;
  /** The exact expected answer text (for boxes: "[x1,y1,x2,y2]" on the 0-1000 grid). */
  answer: string;
  metric: SyntheticMetric;
  /** grounding-iou only: ground truth on the 0-1000 grid. */
  box?: [number, number, number, number];
  /** Indices (into the scene's objects) the question is about, and family-specific facts. */
  detail: Record<string, unknown>;
}

export const BOX_SCALE = 1000;

/** Negatives of the existence family, POPE style: both attributes present elsewhere, one, or none. */
const NEGATIVE_KINDS = ['adversarial', 'popular', 'random'] as const;
const NEGATIVE_WEIGHTS = [0.5, 0.3, 0.2];
/** Share of counting questions about something absent (answer "0"). */
const COUNT_ABSENT = 0.15;

export function toBoxScale(box: PixelBox, width: number, height: number): [number, number, number, number] {
  return [
    Math.round((box[0] * BOX_SCALE) / width),
    Math.round((box[1] * BOX_SCALE) / height),
    Math.round((box[2] * BOX_SCALE) / width),
    Math.round((box[3] * BOX_SCALE) / height),
  ];
}

/** "a red circle", "an orange ring" (the only vowel-initial words are orange and, for shapes, none). */
export function withArticle(phrase: string): string {
  return /^[aeiou]/.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

export function formatBox(box: readonly number[]): string {
  return `[${box.join(',')}]`;
}

/**
 * One question of the given family about the scene, or null when the scene cannot support it (e.g. no object has
 * an unambiguous colour-free description). `want` balances yes/no families.
 */
export function makeQuestion(family: Family, scene: Scene, rng: Rng, want: YesNo): SceneQuestion | null {
  switch (family) {
    case 'existence':
      return existence(scene, rng, want);
    case 'color':
      return colorQuestion(scene, rng);
    case 'shape':
      return shapeQuestion(scene, rng);
    case 'count':
      return countQuestion(scene, rng);
    case 'relation':
      return relation(scene, rng, want);
    case 'localization':
      return localization(scene, rng);
  }
}

function existence(scene: Scene, rng: Rng, want: YesNo): SceneQuestion | null {
  const objects = scene.objects;
  if (objects.length === 0) return null;
  if (want === 'yes') {
    const o = rng.pick(objects);
    const targets = indicesWhere(scene, (p) => p.color === o.color && p.shape === o.shape);
    return yesNo('existence', `is there ${withArticle(`${o.color} ${o.shape}`)}?`, 'yes', 'pope', { targets });
  }
  const colors = new Set(objects.map((o) => o.color));
  const shapes = new Set(objects.map((o) => o.shape));
  const present = new Set(objects.map((o) => `${o.color} ${o.shape}`));
  const pools: Record<(typeof NEGATIVE_KINDS)[number], string[]> = { adversarial: [], popular: [], random: [] };
  for (const color of COLORS) {
    for (const shape of SHAPES) {
      const name = `${color} ${shape}`;
      if (present.has(name)) continue;
      const hits = Number(colors.has(color)) + Number(shapes.has(shape));
      pools[hits === 2 ? 'adversarial' : hits === 1 ? 'popular' : 'random'].push(name);
    }
  }
  const kind = NEGATIVE_KINDS[rng.weighted(NEGATIVE_KINDS.map((k, i) => (pools[k].length > 0 ? NEGATIVE_WEIGHTS[i]! : 0)))]!;
  const name = rng.pick(pools[kind]);
  return yesNo('existence', `is there ${withArticle(name)}?`, 'no', 'pope', { targets: [], negative: kind });
}

function colorQuestion(scene: Scene, rng: Rng): SceneQuestion | null {
  const candidates = describable(scene, describeWithoutColor);
  if (candidates.length === 0) return null;
  const [index, desc] = rng.pick(candidates);
  const answer = scene.objects[index]!.color;
  return { family: 'color', question: `what color is the ${desc}?`, answer, metric: 'exact-match', detail: { targets: [index] } };
}

function shapeQuestion(scene: Scene, rng: Rng): SceneQuestion | null {
  const candidates = describable(scene, describeWithoutShape);
  if (candidates.length === 0) return null;
  const [index, desc] = rng.pick(candidates);
  const answer = scene.objects[index]!.shape;
  return { family: 'shape', question: `what shape is the ${desc}?`, answer, metric: 'exact-match', detail: { targets: [index] } };
}

function countQuestion(scene: Scene, rng: Rng): SceneQuestion | null {
  if (scene.objects.length === 0) return null;
  const absent = rng.chance(COUNT_ABSENT);
  if (rng.chance(0.5)) {
    // Present values are drawn per object (weighted by how often they occur) so counts above 1 are common.
    const missing = SHAPES.filter((s) => !scene.objects.some((o) => o.shape === s));
    const shape = absent && missing.length > 0 ? rng.pick(missing) : rng.pick(scene.objects).shape;
    const targets = indicesWhere(scene, (o) => o.shape === shape);
    return count(`how many ${SHAPE_PLURALS[shape]} are there?`, targets, { shape });
  }
  const missing = COLORS.filter((c) => !scene.objects.some((o) => o.color === c));
  const color = absent && missing.length > 0 ? rng.pick(missing) : rng.pick(scene.objects).color;
  const targets = indicesWhere(scene, (o) => o.color === color);
  return count(`how many ${color} objects are there?`, targets, { color });
}

function count(question: string, targets: number[], extra: Record<string, unknown>): SceneQuestion {
  return { family: 'count', question, answer: String(targets.length), metric: 'exact-match', detail: { targets, ...extra } };
}

/**
 * "is the A left of the B?" / "is the A above the B?", asked only about pairs whose boxes do not overlap along
 * that axis, so the answer is clear at a glance. The pair order sets the answer, which keeps yes/no balanced.
 */
function relation(scene: Scene, rng: Rng, want: YesNo): SceneQuestion | null {
  const axis = rng.chance(0.5) ? 'left' : 'above';
  const lo = axis === 'left' ? 0 : 1;
  const hi = axis === 'left' ? 2 : 3;
  const pairs: Array<[number, number]> = [];
  scene.objects.forEach((a, i) => {
    scene.objects.forEach((b, j) => {
      if (a.box[hi] <= b.box[lo]) pairs.push([i, j]); // a entirely left of / above b
    });
  });
  if (pairs.length === 0) return null;
  const [first, second] = rng.pick(pairs);
  const [a, b] = want === 'yes' ? [first, second] : [second, first];
  const words = axis === 'left' ? 'left of' : 'above';
  const question = `is the ${describe(scene, a)} ${words} the ${describe(scene, b)}?`;
  return yesNo('relation', question, want, 'exact-match', { targets: [a, b], relation: axis });
}

function localization(scene: Scene, rng: Rng): SceneQuestion | null {
  if (scene.objects.length === 0) return null;
  const index = rng.int(0, scene.objects.length - 1);
  const box = toBoxScale(scene.objects[index]!.box, scene.width, scene.height);
  return {
    family: 'localization',
    question: `give the box of the ${describe(scene, index)}.`,
    answer: formatBox(box),
    metric: 'grounding-iou',
    box,
    detail: { targets: [index] },
  };
}

function yesNo(family: Family, question: string, answer: YesNo, metric: SyntheticMetric, detail: Record<string, unknown>): SceneQuestion {
  return { family, question, answer, metric, detail };
}

function indicesWhere(scene: Scene, keep: (o: Scene['objects'][number]) => boolean): number[] {
  return scene.objects.flatMap((o, i) => (keep(o) ? [i] : []));
}

function describable(scene: Scene, name: (scene: Scene, index: number) => string | null): Array<[number, string]> {
  return scene.objects.flatMap((_, i): Array<[number, string]> => {
    const desc = name(scene, i);
    return desc === null ? [] : [[i, desc]];
  });
}
