/**
 * Turns a result's kept indices into a raster mask for drawing over the image. Visual tokens of one view are
 * row-major over a square grid (LLaVA-1.5: 24x24). Layouts with several views (LLaVA-NeXT AnyRes, InternVL tiles)
 * put the base view / first tile first, so with the model's grid known we draw that view and say so.
 */
export interface MaskGrid {
  rows: number;
  cols: number;
  /** 1 where the token at (row, col) was kept, row-major. */
  kept: Uint8Array;
  keptInView: number;
  /** Set when only part of the token sequence could be placed on the image. */
  note: string | null;
}

export function maskGrid(keptIndices: readonly number[], tokensBefore: number, modelGrid?: number | null): MaskGrid | null {
  if (!(tokensBefore > 0)) return null;
  const square = Math.round(Math.sqrt(tokensBefore));
  let side: number;
  let note: string | null = null;
  if (square * square === tokensBefore) {
    side = square;
  } else if (modelGrid && modelGrid * modelGrid < tokensBefore) {
    side = modelGrid;
    note = `showing the ${modelGrid}x${modelGrid} base view of ${tokensBefore} visual tokens`;
  } else {
    return null;
  }
  const cells = side * side;
  const kept = new Uint8Array(cells);
  let keptInView = 0;
  for (const index of keptIndices) {
    if (Number.isInteger(index) && index >= 0 && index < cells && kept[index] === 0) {
      kept[index] = 1;
      keptInView++;
    }
  }
  return { rows: side, cols: side, kept, keptInView, note };
}

/** Kept indices arrive as JSON text or as a JSON array, depending on how the schema stores them. */
export function parseKeptIndices(value: unknown): number[] {
  const parsed: unknown = typeof value === 'string' ? safeJson(value) : value;
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((x): x is number => typeof x === 'number' && Number.isInteger(x));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
