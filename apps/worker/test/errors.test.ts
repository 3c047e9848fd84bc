import { copyFileSync, cpSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openModel } from '../src/model/load.ts';
import { inferSample } from '../src/pipeline/infer.ts';
import { parseKeep, resolveKeep } from '../src/pipeline/keep.ts';
import { FIXTURES, tempDir, writeImage } from './helpers.ts';

function modelCopy(): string {
  const dir = join(tempDir('bad'), 'm');
  cpSync(FIXTURES.llava15, dir, { recursive: true });
  return dir;
}

describe('bad input gets a one-line error naming the file or field', () => {
  it('a missing graph file', async () => {
    const dir = modelCopy();
    rmSync(join(dir, 'decoder_tail.onnx'));
    await expect(openModel(dir)).rejects.toThrow(/model\.json field graphs\.decoderTail: \S*decoder_tail\.onnx does not exist$/);
  });

  it('a graph whose inputs do not match the layout', async () => {
    const dir = modelCopy();
    copyFileSync(join(dir, 'projector.onnx'), join(dir, 'decoder_head.onnx'));
    await expect(openModel(dir)).rejects.toThrow(/decoder_head\.onnx: graph inputs do not match the layout: missing inputs_embeds/);
  });

  it('a model.json field of the wrong type', async () => {
    const dir = modelCopy();
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    manifest.llm.pruneLayer = 'two';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
    await expect(openModel(dir)).rejects.toThrow(/model\.json field llm\.pruneLayer/);
  });

  it('an unreadable image, and a signal the model does not provide', async () => {
    const dir = modelCopy();
    const model = await openModel(dir, { threads: 1 });
    try {
      const bad = join(tempDir('img'), 'broken.png');
      writeFileSync(bad, 'not a png');
      await expect(inferSample(model, bad, 'q', { method: 'none', keep: 'all' }, { maxNewTokens: 1 })).rejects.toThrow(/broken\.png: unreadable image/);
      const image = await writeImage(join(tempDir('img'), 'ok.png'), 32, 32);
      const error = await inferSample(model, image, 'q', { method: 'd2pruner', keep: 8 }, { maxNewTokens: 1 }).catch((e: Error) => e);
      expect((error as Error).message).toMatch(/^method d2pruner needs signal attentionPrior, which model tiny-random-llava15 does not provide: .*prunebench calibrate/);
      expect((error as Error).message).not.toContain('\n');
      await expect(inferSample(model, image, 'q', { method: 'nope', keep: 8 }, { maxNewTokens: 1 })).rejects.toThrow(/^method: unknown method 'nope'/);
    } finally {
      await model.close();
    }
  });

  it('a keep that is neither a count, a ratio nor all', () => {
    expect(parseKeep('64')).toBe(64);
    expect(parseKeep('0.111')).toBeCloseTo(0.111);
    expect(parseKeep('all')).toBe('all');
    expect(() => parseKeep('1.5', '--keep')).toThrow(/^--keep: '1.5' is not a token count/);
    expect(() => parseKeep('-3', '--keep')).toThrow(/--keep/);
    expect(resolveKeep(0.111, 576, 0)).toBe(64);
    expect(resolveKeep(1000, 576, 0)).toBe(576);
    expect(resolveKeep(2, 52, 4)).toBe(4);
  });
});
