import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary, runLocalEval } from '../src/local-eval.ts';
import { FIXTURES, tempDir, writeImage } from './helpers.ts';

async function tinyBench(): Promise<string> {
  const dir = tempDir('bench');
  mkdirSync(join(dir, 'images'));
  await writeImage(join(dir, 'images/0.png'), 80, 60, 1);
  await writeImage(join(dir, 'images/1.png'), 60, 90, 2);
  const samples = [
    { id: 'q0', image: 'images/0.png', question: 'is there a red circle?', metric: 'pope', answer: 'yes' },
    { id: 'q1', image: 'images/1.png', question: 'what colour is the square?', metric: 'exact-match', answer: 'red' },
    { id: 'q2', image: 'images/0.png', question: 'how many objects?', metric: 'exact-match', answer: '3', maxNewTokens: 2 },
  ];
  writeFileSync(join(dir, 'samples.jsonl'), `${samples.map((s) => JSON.stringify(s)).join('\n')}\n`);
  writeFileSync(join(dir, 'benchmark.json'), JSON.stringify({
    format: 'prunebench-bench/1', name: 'tiny', version: '1', description: 'test', split: 'test',
    metrics: ['pope', 'exact-match'], maxNewTokens: 4, source: 'hand-written', samples: samples.length,
  }));
  return dir;
}

describe('prunebench eval (runLocalEval)', () => {
  it('scores every sample, writes per-sample JSONL and summarises per metric', async () => {
    const bench = await tinyBench();
    const out = join(tempDir('out'), 'samples.jsonl');
    const seen: number[] = [];
    const summary = await runLocalEval({
      model: FIXTURES.llava15, bench, setting: { method: 'gprune', keep: 0.25 }, out, threads: 1, limit: 2,
      onSample: (done) => seen.push(done),
    });
    expect(seen).toEqual([1, 2]);
    expect(summary.samples).toBe(2);
    expect(Object.keys(summary.metrics).sort()).toEqual(['exact-match', 'pope']);
    expect(summary.metrics.pope?.score).toBeGreaterThanOrEqual(0);
    expect(summary.meanKeptTokens).toBe(144);
    expect(summary.meanTokensBefore).toBe(576);
    expect(summary.policy).toBe('preserve');
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.doc_id)).toEqual(['q0', 'q1']);
    expect(lines[0].input).toBe('USER: <image>\nis there a red circle? ASSISTANT:');
    expect(lines[0].target).toBe('yes');
    expect(lines[0].keptIndices).toHaveLength(144);
    expect(typeof lines[0].prediction).toBe('string');
    expect(lines[0].variant.preprocess).toBe('pad-square/sharp-bicubic');
    expect(formatSummary(summary)).toMatch(/pope score/);
  });

  it('a bad benchmark is a one-line error naming the file', async () => {
    const bench = await tinyBench();
    writeFileSync(join(bench, 'samples.jsonl'), '{"id":"x"}\n');
    await expect(runLocalEval({ model: FIXTURES.llava15, bench, setting: { method: 'none', keep: 'all' } })).rejects.toThrow(/samples\.jsonl/);
  });
});
