import { crop, resize, stackViews, type RgbImage } from '../../preprocess/image.ts';
import { rasterViews, type FamilySpec } from '../types.ts';
import { closestGrid } from './tiles.ts';

/**
 * InternVL-2.5: the image resized to (size * cols) x (size * rows) and cut into tiles row by row, plus a thumbnail
 * of the whole image when there is more than one tile. The tower pixel-shuffles each tile to grid x grid tokens.
 */
export const internvl25: FamilySpec = {
  id: 'internvl-2.5',
  modes: ['tiles'],
  checkManifest: () => undefined,
  async plan(image, manifest) {
    const { size, mean, std, resample, maxTiles = 12, minTiles = 1, thumbnail = true } = manifest.preprocess;
    const { grid } = manifest.vision;
    const [cols, rows] = closestGrid(image.width, image.height, size, minTiles, maxTiles);
    const resized = await resize(image, cols * size, rows * size, resample);
    const views: RgbImage[] = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) views.push(crop(resized, c * size, r * size, size, size));
    const withThumbnail = thumbnail && views.length > 1;
    if (withThumbnail) views.push(await resize(image, size, size, resample));
    return {
      pixelValues: stackViews(views, mean, std),
      views: views.length,
      viewSize: size,
      ...rasterViews(views.length, grid),
      variant: `tiles/${cols}x${rows}${withThumbnail ? '+thumbnail' : ''}/max${maxTiles}/sharp-${resample}`,
      layoutKey: `${views.length}x${grid}x${grid}`,
    };
  },
};
