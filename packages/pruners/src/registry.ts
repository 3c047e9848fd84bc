import { cdpruner } from './methods/cdpruner.ts';
import { d2pruner } from './methods/d2pruner.ts';
import { dart } from './methods/dart.ts';
import { divprune } from './methods/divprune.ts';
import { fastervlm } from './methods/fastervlm.ts';
import { fastv } from './methods/fastv.ts';
import { gprune } from './methods/gprune.ts';
import { gridprune } from './methods/gridprune.ts';
import { random } from './methods/random.ts';
import { uniform } from './methods/uniform.ts';
import { visionzip } from './methods/visionzip.ts';

/** Every pruning method, keyed by id. Adding one: its file in methods/ plus one line here (a test checks it). */
export const methods = {
  gridprune,
  d2pruner,
  gprune,
  random,
  uniform,
  fastv,
  fastervlm,
  visionzip,
  divprune,
  cdpruner,
  dart,
} as const;

export type MethodId = keyof typeof methods;

export const METHOD_IDS = Object.keys(methods) as MethodId[];
