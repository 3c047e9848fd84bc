import { describe, expect, it } from 'vitest';
import { toCsv, toJsonRecords } from '../../src/lib/export/table.ts';
import { maskGrid, parseKeptIndices } from '../../src/lib/mask.ts';

describe('table export', () => {
  const table = { name: 't', columns: ['method', 'score', 'note'], rows: [['fastv', 0.5, 'a, "quoted"'], ['random', Number.NaN, null]] };

  it('writes RFC 4180 CSV with quoting and blanks for missing numbers', () => {
    expect(toCsv(table)).toBe('method,score,note\r\nfastv,0.5,"a, ""quoted"""\r\nrandom,,\r\n');
  });

  it('writes JSON records keyed by column with null for missing numbers', () => {
    expect(toJsonRecords(table)).toEqual([
      { method: 'fastv', score: 0.5, note: 'a, "quoted"' },
      { method: 'random', score: null, note: null },
    ]);
  });
});

describe('maskGrid', () => {
  it('places kept indices row-major on a square grid', () => {
    const grid = maskGrid([0, 5, 15, 15, 99], 16);
    expect(grid).not.toBeNull();
    expect(grid?.rows).toBe(4);
    expect(Array.from(grid?.kept ?? [])).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(grid?.keptInView).toBe(3);
    expect(grid?.note).toBeNull();
  });

  it('falls back to the base view of the model grid for multi-view layouts, and says so', () => {
    const grid = maskGrid([1, 2, 700], 2880, 24);
    expect(grid?.rows).toBe(24);
    expect(grid?.keptInView).toBe(2);
    expect(grid?.note).toMatch(/base view/);
    expect(maskGrid([1], 2880)).toBeNull();
  });

  it('parses kept indices from JSON text or arrays and ignores junk', () => {
    expect(parseKeptIndices('[3,1,2]')).toEqual([3, 1, 2]);
    expect(parseKeptIndices([1, 'x', 2.5, 4])).toEqual([1, 4]);
    expect(parseKeptIndices('not json')).toEqual([]);
  });
});
