import type { ResolvedView } from './types.ts';

/** Token index of grid cell (r, c) of a view. */
export function cellIndex(view: ResolvedView, r: number, c: number): number {
  return view.offset + r * view.rowStride + c;
}

export function viewSize(view: ResolvedView): number {
  return view.rows * view.cols;
}

/** Token index of raster position p (row-major over the view's grid) of a view. */
export function rasterToken(view: ResolvedView, p: number): number {
  const r = Math.floor(p / view.cols);
  return cellIndex(view, r, p - r * view.cols);
}

/** The view's tokens in raster order. */
export function viewTokens(view: ResolvedView): Int32Array {
  const out = new Int32Array(viewSize(view));
  let t = 0;
  for (let r = 0; r < view.rows; r++) for (let c = 0; c < view.cols; c++) out[t++] = cellIndex(view, r, c);
  return out;
}

/** Where each token sits: view number (-1 for alwaysKeep), row and column. */
export interface GridPlacement {
  view: Int32Array;
  row: Int32Array;
  col: Int32Array;
}

export function placeTokens(views: readonly ResolvedView[], n: number): GridPlacement {
  const placement = { view: new Int32Array(n).fill(-1), row: new Int32Array(n), col: new Int32Array(n) };
  views.forEach((view, v) => {
    for (let r = 0; r < view.rows; r++) {
      for (let c = 0; c < view.cols; c++) {
        const i = cellIndex(view, r, c);
        placement.view[i] = v;
        placement.row[i] = r;
        placement.col[i] = c;
      }
    }
  });
  return placement;
}
