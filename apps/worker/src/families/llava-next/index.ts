import type { Layout } from '@prunebench/pruners';
import { crop, pasteOnCanvas, resize, stackViews, type RgbImage } from '../../preprocess/image.ts';
import type { FamilySpec } from '../types.ts';
import { patchOutputSize, selectBestResolution, unpadWindow } from './anyres.ts';

/**
 * LLaVA-NeXT AnyRes: a squashed base view, then the pinpoint-sized image cut into crops whose features are stitched
 * into one grid, padding rows/columns removed, and a learned newline token after every row (alwaysKeep).
 * Sequence: base view (grid x grid) then the unpadded high-res grid row by row, each row followed by its newline.
 */
export const llavaNext: FamilySpec = {
  id: 'llava-next',
  modes: ['anyres'],
  checkManifest(manifest) {
    if (!manifest.preprocess.pinpoints?.length) return ['preprocess.pinpoints', 'anyres needs at least one pinpoint'];
    if (!manifest.imageNewline) return ['imageNewline', 'llava-next needs the image_newline embedding file'];
    const size = manifest.preprocess.size;
    const bad = manifest.preprocess.pinpoints.find(([h, w]) => h % size !== 0 || w % size !== 0);
    if (bad) return ['preprocess.pinpoints', `pinpoint ${bad.join('x')} is not a multiple of the crop size ${size}`];
    return undefined;
  },
  async plan(image, manifest) {
    const { size, mean, std, resample, pinpoints = [] } = manifest.preprocess;
    const { grid } = manifest.vision;
    const original = { width: image.width, height: image.height };
    const target = selectBestResolution(original, pinpoints);
    const inner = patchOutputSize(original, target);
    const resized = await resize(image, inner.width, inner.height, resample);
    const padded = pasteOnCanvas(
      resized, target.width, target.height,
      Math.floor((target.width - inner.width) / 2), Math.floor((target.height - inner.height) / 2), [0, 0, 0],
    );
    const cropRows = target.height / size;
    const cropCols = target.width / size;
    const views: RgbImage[] = [await resize(image, size, size, resample)];
    for (let r = 0; r < cropRows; r++) for (let c = 0; c < cropCols; c++) views.push(crop(padded, c * size, r * size, size, size));

    const perView = grid * grid;
    const window = unpadWindow(original, cropRows * grid, cropCols * grid);
    const hiRows = window.bottom - window.top;
    const hiCols = window.right - window.left;
    const source = new Int32Array(perView + hiRows * (hiCols + 1));
    for (let i = 0; i < perView; i++) source[i] = i;
    const alwaysKeep: number[] = [];
    let t = perView;
    for (let R = window.top; R < window.bottom; R++) {
      for (let C = window.left; C < window.right; C++) {
        const cropIndex = Math.floor(R / grid) * cropCols + Math.floor(C / grid);
        source[t++] = (1 + cropIndex) * perView + (R % grid) * grid + (C % grid);
      }
      alwaysKeep.push(t);
      source[t++] = -1;
    }
    const layout: Layout = {
      views: [
        { offset: 0, rows: grid, cols: grid },
        { offset: perView, rows: hiRows, cols: hiCols, rowStride: hiCols + 1 },
      ],
      alwaysKeep,
    };
    return {
      pixelValues: stackViews(views, mean, std),
      views: views.length,
      viewSize: size,
      source,
      layout,
      variant: `anyres/${target.height}x${target.width}/sharp-${resample}`,
      layoutKey: `${grid}x${grid}+${hiRows}x${hiCols}`,
    };
  },
};
