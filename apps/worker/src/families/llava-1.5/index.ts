import { rasterViews, type FamilySpec } from '../types.ts';
import { singleView } from './processor.ts';

/** LLaVA-1.5: one square view, grid x grid tokens, row-major. */
export const llava15: FamilySpec = {
  id: 'llava-1.5',
  modes: ['pad-square', 'resize-crop'],
  checkManifest: () => undefined,
  async plan(image, manifest) {
    const { grid } = manifest.vision;
    const { size, mode, resample } = manifest.preprocess;
    return {
      pixelValues: await singleView(image, manifest),
      views: 1,
      viewSize: size,
      ...rasterViews(1, grid),
      variant: `${mode}/sharp-${resample}`,
      layoutKey: `${grid}x${grid}`,
    };
  },
};
