import type { Scene, SceneObject } from './scene.ts';

/**
 * Referring expressions, always the shortest of a fixed ladder that is unambiguous in the scene:
 * "<color> <shape>" then "<size> <color> <shape>" (scenes never repeat shape+colour+size, so this always resolves).
 */
export function describe(scene: Scene, index: number): string {
  const o = scene.objects[index]!;
  const sameKind = scene.objects.filter((p) => p.color === o.color && p.shape === o.shape);
  return sameKind.length === 1 ? `${o.color} ${o.shape}` : `${o.size} ${o.color} ${o.shape}`;
}

/** "<shape>" or "<size> <shape>" for colour questions; null when even the size does not single it out. */
export function describeWithoutColor(scene: Scene, index: number): string | null {
  const o = scene.objects[index]!;
  return ladder(scene.objects, o, (p) => p.shape === o.shape, o.shape, `${o.size} ${o.shape}`);
}

/** "<color> object" or "<size> <color> object" for shape questions; null when ambiguous. */
export function describeWithoutShape(scene: Scene, index: number): string | null {
  const o = scene.objects[index]!;
  return ladder(scene.objects, o, (p) => p.color === o.color, `${o.color} object`, `${o.size} ${o.color} object`);
}

function ladder(
  objects: readonly SceneObject[],
  o: SceneObject,
  same: (p: SceneObject) => boolean,
  short: string,
  long: string,
): string | null {
  const matching = objects.filter(same);
  if (matching.length === 1) return short;
  return matching.filter((p) => p.size === o.size).length === 1 ? long : null;
}
