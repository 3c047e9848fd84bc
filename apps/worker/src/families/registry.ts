import type { ModelManifest } from '../model/manifest.ts';
import { internvl25 } from './internvl-2.5/index.ts';
import { llava15 } from './llava-1.5/index.ts';
import { llavaNext } from './llava-next/index.ts';
import type { FamilySpec } from './types.ts';

/** Every model family, one folder each. */
export const families: Readonly<Record<ModelManifest['family'], FamilySpec>> = {
  'llava-1.5': llava15,
  'llava-next': llavaNext,
  'internvl-2.5': internvl25,
};
