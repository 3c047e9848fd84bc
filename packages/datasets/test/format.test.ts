import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchmarkHeaderInput,
  type BenchmarkSample,
  parseBenchmarkHeader,
  parseSamplesJsonl,
  readBenchmark,
  writeBenchmark,
} from '../src/format.ts';

const header: BenchmarkHeaderInput = {
  name: 'tiny',
  version: '1',
  description: 'two samples',
  split: 'test',
  metrics: ['pope', 'grounding-iou'],
  maxNewTokens: 16,
  source: 'test',
};
const samples: BenchmarkSample[] = [
  { id: 'a', image: 'images/a.png', question: 'Is there a cat?', metric: 'pope', answer: 'yes', category: 'random' },
  { id: 'b', image: 'images/a.png', question: 'Where?', metric: 'grounding-iou', box: [1, 2, 3, 4], boxScale: 'pixels' },
];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pb-format-'));
}

describe('benchmark format', () => {
  it('round-trips through writeBenchmark and readBenchmark', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'images'));
    writeFileSync(join(dir, 'images/a.png'), 'x');
    const written = await writeBenchmark(dir, header, samples);
    expect(written.samples).toBe(2);
    expect(written.format).toBe('prunebench-bench/1');
    const bench = await readBenchmark(dir);
    expect(bench.header).toEqual(written);
    expect(bench.samples).toEqual(samples);
  });

  it('names file, line and field for a bad sample', () => {
    const text = `${JSON.stringify(samples[0])}\n${JSON.stringify({ ...samples[0], id: 'c', answer: 'maybe' })}\n`;
    expect(() => parseSamplesJsonl(text, 'x.jsonl')).toThrow('x.jsonl:2: field "answer": must be "yes" or "no"');
  });

  it('rejects a missing ground-truth field for the metric', () => {
    const line = JSON.stringify({ id: 'q', image: 'i.png', question: 'q', metric: 'vqa-accuracy' });
    expect(() => parseSamplesJsonl(line, 's.jsonl')).toThrow('s.jsonl:1: field "answers": required for metric vqa-accuracy');
  });

  it('rejects an unknown field, a duplicate id, bad JSON and an escaping image path', () => {
    const ok = JSON.stringify(samples[0]);
    expect(() => parseSamplesJsonl(JSON.stringify({ ...samples[0], answr: 'no' }), 's')).toThrow('s:1:');
    expect(() => parseSamplesJsonl(`${ok}\n${ok}`, 's')).toThrow('s:2: field "id": "a" repeats line 1');
    expect(() => parseSamplesJsonl(`${ok}\n{oops`, 's')).toThrow('s:2: not valid JSON');
    expect(() => parseSamplesJsonl(JSON.stringify({ ...samples[0], image: '../x.png' }), 's')).toThrow(
      's:1: field "image"',
    );
  });

  it('checks multiple-choice answers against the option letters', () => {
    const mc = { id: 'm', image: 'i.png', question: 'q', metric: 'multiple-choice', choices: ['x', 'y'], answer: 'C' };
    expect(() => parseSamplesJsonl(JSON.stringify(mc), 's')).toThrow('field "answer": must be one of the option letters A, B');
  });

  it('validates the header and cross-checks the sample count and images', async () => {
    expect(() => parseBenchmarkHeader('{"format":"x"}', 'b.json')).toThrow('b.json: field "format"');
    const dir = tempDir();
    await writeBenchmark(dir, header, samples);
    await expect(readBenchmark(dir)).rejects.toThrow('samples.jsonl:1: field "image": file not found: images/a.png');
    await expect(readBenchmark(join(dir, 'nope'))).rejects.toThrow('benchmark.json: cannot read (ENOENT)');
  });
});
