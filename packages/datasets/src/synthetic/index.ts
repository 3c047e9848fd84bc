export { generateSyntheticBenchmark, ensureSyntheticBenchmark, encodePng } from './generate.ts';
export type { GenerateSyntheticOptions, GeneratedBenchmark } from './generate.ts';
export { buildScene, emptyTally, sceneKey, sceneToMeta, imagePathFor } from './build.ts';
export type { BuiltScene, FamilyTally } from './build.ts';
export {
  SYNTHETIC_NAME,
  SYNTHETIC_SPLITS,
  DEFAULT_SCENES,
  DEFAULT_SEED,
  DEFAULT_QUESTIONS_PER_SCENE,
  defaultSyntheticName,
  resolveSyntheticSpec,
  describeSpec,
} from './spec.ts';
export type { SyntheticSpec, SyntheticSpecInput, SyntheticSplit } from './spec.ts';
export { makeQuestion, formatBox, toBoxScale, BOX_SCALE } from './questions.ts';
export type { SceneQuestion } from './questions.ts';
export { renderScene } from './raster.ts';
export type { RgbImage } from './raster.ts';
export { sampleScene } from './scene.ts';
export type { Scene, SceneObject, Background, PixelBox, Rgb } from './scene.ts';
export { createRng } from './rng.ts';
export * from './vocabulary.ts';
