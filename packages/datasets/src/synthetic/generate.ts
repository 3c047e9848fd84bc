import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { HEADER_FILE, SAMPLES_FILE, parseBenchmarkHeader, writeBenchmark, type BenchmarkHeader, type BenchmarkSample } from '../format.ts';
import { BOX_ANSWER_TOKENS, buildScene, emptyTally, imagePathFor } from './build.ts';
import type { RgbImage } from './raster.ts';
import { describeSpec, resolveSyntheticSpec, type SyntheticSpec, type SyntheticSpecInput } from './spec.ts';

export interface GenerateSyntheticOptions extends SyntheticSpecInput {
  /** Benchmark folder to (re)create. */
  outDir: string;
  /** Called after each scene is written. */
  onProgress?: (doneScenes: number, totalScenes: number) => void;
}

export interface GeneratedBenchmark {
  dir: string;
  header: BenchmarkHeader;
  spec: SyntheticSpec;
  /** True when an existing folder matched the spec and was kept as is. */
  reused: boolean;
}

const SOURCE_PREFIX = 'prunebench synthetic generator';
/** PNG encodes in flight at once (sharp runs them on libuv threads while we rasterise the next scene). */
const ENCODE_CONCURRENCY = 4;
const METRIC_ORDER = ['exact-match', 'pope', 'grounding-iou'] as const;

export function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/**
 * Generates the benchmark folder (benchmark.json, samples.jsonl, images/*.png) for one split. Writes into a sibling
 * temporary folder and renames it into place at the end, so an interrupted run never leaves a folder that looks
 * complete. An existing folder is replaced only if it is empty or an earlier output of this generator.
 */
export async function generateSyntheticBenchmark(options: GenerateSyntheticOptions): Promise<GeneratedBenchmark> {
  const { outDir, onProgress, ...specInput } = options;
  const spec = resolveSyntheticSpec(specInput);
  const dir = resolve(outDir);
  await assertReplaceable(dir);
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, dirname(imagePathFor(0))), { recursive: true });

  const tally = emptyTally();
  const samples: BenchmarkSample[] = [];
  const pending = new Set<Promise<void>>();
  let done = 0;
  for (let index = 0; index < spec.scenes; index++) {
    const built = buildScene(spec, index, tally);
    samples.push(...built.samples);
    const write = encodePng(built.image)
      .then((png) => writeFile(join(tmp, built.imagePath), png))
      .then(() => {
        done += 1;
        onProgress?.(done, spec.scenes);
      });
    const tracked: Promise<void> = write.finally(() => pending.delete(tracked));
    pending.add(tracked);
    if (pending.size >= ENCODE_CONCURRENCY) await Promise.race(pending);
  }
  await Promise.all(pending);

  const used = new Set(samples.map((s) => s.metric));
  const header = await writeBenchmark(
    tmp,
    {
      name: spec.name,
      version: '1',
      description:
        'Synthetic shapes on textured, cluttered backgrounds: existence (POPE-style, with hard negatives), colour, ' +
        'shape, counting, relative position and localization (box on a 0-1000 grid) questions.',
      split: spec.split,
      metrics: METRIC_ORDER.filter((m) => used.has(m)),
      maxNewTokens: BOX_ANSWER_TOKENS,
      source: describeSpec(spec),
    },
    samples,
  );
  await assertReplaceable(dir);
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(tmp, dir);
  } catch (error) {
    // Another process (a parallel test, the demo) finished the same benchmark first: keep theirs if it matches.
    const theirs = await readHeaderIfAny(dir);
    await rm(tmp, { recursive: true, force: true });
    if (theirs && matches(theirs, spec)) return { dir, header: theirs, spec, reused: true };
    throw new Error(`${dir}: cannot move the generated benchmark into place (${(error as Error).message})`, {
      cause: error,
    });
  }
  return { dir, header, spec, reused: false };
}

function matches(header: BenchmarkHeader, spec: SyntheticSpec): boolean {
  return header.name === spec.name && header.source === describeSpec(spec);
}

/**
 * Returns the benchmark at `outDir`, generating it only when the folder is missing or was made from a different
 * spec (compared by name, the generator's `source` line, which holds every option, and the sample count).
 */
export async function ensureSyntheticBenchmark(options: GenerateSyntheticOptions): Promise<GeneratedBenchmark> {
  const { outDir, onProgress: _onProgress, ...specInput } = options;
  const spec = resolveSyntheticSpec(specInput);
  const dir = resolve(outDir);
  const existing = await readHeaderIfAny(dir);
  if (
    existing &&
    matches(existing, spec) &&
    existsSync(join(dir, SAMPLES_FILE)) &&
    existsSync(join(dir, imagePathFor(spec.scenes - 1)))
  ) {
    return { dir, header: existing, spec, reused: true };
  }
  return generateSyntheticBenchmark(options);
}

async function readHeaderIfAny(dir: string): Promise<BenchmarkHeader | null> {
  const path = join(dir, HEADER_FILE);
  if (!existsSync(path)) return null;
  try {
    return parseBenchmarkHeader(await readFile(path, 'utf8'), path);
  } catch {
    return null;
  }
}

/** Refuses to delete a folder that is neither empty nor an earlier output of this generator. */
async function assertReplaceable(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  const header = await readHeaderIfAny(dir);
  if (!header?.source.startsWith(SOURCE_PREFIX)) {
    throw new Error(`${dir}: exists and is not a synthetic benchmark made by prunebench; refusing to overwrite it`);
  }
}
