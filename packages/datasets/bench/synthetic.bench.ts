/**
 * Throughput of the synthetic generator on one core: scenes per second for the pure part (scene sampling,
 * rasterisation, questions) and end to end (plus PNG encoding and writing). Writes bench-results/synthetic.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScene, emptyTally, generateSyntheticBenchmark, resolveSyntheticSpec } from '../src/synthetic/index.ts';

const SCENES = Number(process.env.SYNTH_BENCH_SCENES ?? 1000);

async function main(): Promise<void> {
  const spec = resolveSyntheticSpec({ split: 'train', scenes: SCENES, seed: 0 });
  const tally = emptyTally();
  let t = performance.now();
  for (let i = 0; i < SCENES; i++) buildScene(spec, i, tally);
  const pureSeconds = (performance.now() - t) / 1000;

  const dir = await mkdtemp(join(tmpdir(), 'synth-bench-'));
  t = performance.now();
  await generateSyntheticBenchmark({ outDir: join(dir, 'out'), split: 'train', scenes: SCENES, seed: 0 });
  const fullSeconds = (performance.now() - t) / 1000;
  await rm(dir, { recursive: true, force: true });

  const result = {
    benchmark: 'synthetic-generator',
    scenes: SCENES,
    size: spec.size,
    questionsPerScene: spec.questionsPerScene,
    pure: { seconds: pureSeconds, scenesPerMinute: Math.round((60 * SCENES) / pureSeconds) },
    endToEnd: { seconds: fullSeconds, scenesPerMinute: Math.round((60 * SCENES) / fullSeconds) },
    node: process.version,
    date: new Date().toISOString(),
  };
  await mkdir('bench-results', { recursive: true });
  await writeFile(join('bench-results', 'synthetic.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
