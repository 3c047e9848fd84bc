import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { questionOf, sampleId, sceneOf, type SampleScene, type SynthBenchmark } from './world.ts';

/** Draws one synthetic scene (the target shape among a little clutter) as a 336x336 PNG. */
function sceneSvg(benchmark: string, index: number, scene: SampleScene): string {
  const size = 336;
  const px = (v: number) => (v * size).toFixed(1);
  const clutter = Array.from({ length: 6 }, (_, i) => {
    const other = sceneOf(`${benchmark}/clutter${i}`, index);
    return `<rect x="${px(other.cx - other.half / 3)}" y="${px(other.cy - other.half / 3)}" width="${px(other.half / 1.5)}" height="${px(other.half / 1.5)}" fill="#9ca3af" opacity="0.55"/>`;
  }).join('');
  const [cx, cy, r] = [px(scene.cx), px(scene.cy), px(scene.half)];
  const shape =
    scene.shape === 'circle'
      ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${scene.color}"/>`
      : scene.shape === 'square'
        ? `<rect x="${px(scene.cx - scene.half)}" y="${px(scene.cy - scene.half)}" width="${px(scene.half * 2)}" height="${px(scene.half * 2)}" fill="${scene.color}"/>`
        : `<polygon points="${cx},${px(scene.cy - scene.half)} ${px(scene.cx + scene.half)},${px(scene.cy + scene.half)} ${px(scene.cx - scene.half)},${px(scene.cy + scene.half)}" fill="${scene.color}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#f1efe9"/>${clutter}${shape}</svg>`;
}

/** Writes a benchmark folder in the `prunebench-bench/1` format so the drill-down can show real images. */
export async function writeBenchmarkFolder(root: string, benchmark: SynthBenchmark): Promise<string> {
  const folder = join(root, benchmark.name);
  mkdirSync(join(folder, 'images'), { recursive: true });
  const lines: string[] = [];
  for (let index = 0; index < benchmark.samples; index++) {
    const scene = sceneOf(benchmark.name, index);
    const image = `images/${String(index).padStart(5, '0')}.png`;
    await sharp(Buffer.from(sceneSvg(benchmark.name, index, scene))).png().toFile(join(folder, image));
    const { question, answer } = questionOf(benchmark, scene);
    const sample: Record<string, unknown> = { id: sampleId(benchmark.name, index), image, question, metric: benchmark.metric, category: benchmark.kind };
    if (benchmark.kind === 'loc') {
      sample.box = JSON.parse(answer) as number[];
      sample.boxScale = 1;
    } else {
      sample.answer = answer;
    }
    lines.push(JSON.stringify(sample));
  }
  writeFileSync(join(folder, 'samples.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(folder, 'benchmark.json'),
    JSON.stringify(
      {
        format: 'prunebench-bench/1',
        name: benchmark.name,
        version: '1',
        description: 'FIXTURE: synthetic shapes written by the dashboard fixture seed, for testing the dashboard only.',
        split: 'test',
        metrics: [benchmark.metric],
        maxNewTokens: 16,
        source: 'apps/dashboard/scripts/synthetic',
        samples: benchmark.samples,
      },
      null,
      2,
    ),
  );
  return folder;
}
