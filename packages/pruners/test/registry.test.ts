import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { METHOD_IDS, methods, SIGNAL_NAMES } from '../src/index.ts';

describe('registry', () => {
  it('registers every file in src/methods under its file name', () => {
    const dir = fileURLToPath(new URL('../src/methods/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect([...METHOD_IDS].sort()).toEqual(files.sort());
    for (const id of METHOD_IDS) expect(methods[id].id).toBe(id);
  });

  it('describes every method: stage, known signals, positions, params with defaults, paper', () => {
    for (const id of METHOD_IDS) {
      const m = methods[id];
      expect(['vision', 'llm-input', 'llm-layer']).toContain(m.stage);
      expect(['preserve', 'compact']).toContain(m.positions);
      for (const s of m.needs) expect(SIGNAL_NAMES).toContain(s);
      expect(m.params.safeParse({}).success).toBe(true);
      expect(m.paper.length).toBeGreaterThan(0);
    }
  });
});
