import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../src/model/tokenizer.ts';

const tokenizerFile = fileURLToPath(new URL('../../../models/tiny-synth/tokenizer.json', import.meta.url));

describe('model tokenizer', () => {
  it('decodes an empty generation (a model that stops at once) to the empty string', async () => {
    const tokenizer = await loadTokenizer(tokenizerFile);
    expect(tokenizer.decode([])).toBe('');
  });

  it('round-trips a box answer through the word-level vocabulary', async () => {
    const tokenizer = await loadTokenizer(tokenizerFile);
    const ids = tokenizer.encode('[120,340,560,780]');
    expect(ids.length).toBeGreaterThan(1);
    expect(tokenizer.decode(ids).replace(/\s+/g, '')).toBe('[120,340,560,780]');
  });
});
