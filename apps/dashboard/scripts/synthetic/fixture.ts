import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openDatabase } from '@prunebench/db';
import { writeBenchmarkFolder } from './benchmark-folder.ts';
import { populate, type SweepPlan } from './populate.ts';
import { METHODS, type SynthBenchmark, type SynthModel } from './world.ts';

export const FIXTURE_MODELS: readonly SynthModel[] = [
  { name: 'fixture-llava-1.5-7b', family: 'llava-1.5', grid: 24, tokensBefore: 576, budgets: [288, 192, 128, 64], prefillMsFull: 120, flopsFull: 8.5e12 },
  { name: 'fixture-llava-next-7b', family: 'llava-next', grid: 24, tokensBefore: 2880, budgets: [1440, 640, 320], prefillMsFull: 520, flopsFull: 4.2e13 },
];

export function fixtureBenchmarks(samples: number): SynthBenchmark[] {
  return [
    { name: 'fixture-shapes-color', kind: 'vqa', metric: 'exact-match', samples, fullAccuracy: 0.86 },
    { name: 'fixture-shapes-box', kind: 'loc', metric: 'grounding-iou', samples, fullAccuracy: 0.72 },
  ];
}

export interface FixtureSummary {
  path: string;
  benchmarkRoot: string;
  rows: number;
}

/**
 * The dashboard's fixture: a finished LLaVA-1.5-shaped sweep and a running LLaVA-NeXT-shaped one, with synthetic
 * scores and real images in benchmark folders beside the database. Labelled as a fixture everywhere it shows.
 */
export async function seedFixture(
  path: string,
  options: { samples?: number; now?: number; force?: boolean; append?: boolean } = {},
): Promise<FixtureSummary> {
  const samples = options.samples ?? 40;
  const now = options.now ?? Date.now();
  const benchmarkRoot = join(dirname(path), `${basename(path).replace(/\.sqlite$/, '')}-benchmarks`);
  // `append` adds the fixture sweeps beside a real sweep's data (the e2e suite does this); their names never clash.
  if (existsSync(path) && !options.append) {
    if (!options.force) throw new Error(`${path} already exists; pass --force to replace it (or --append to add to it)`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    rmSync(benchmarkRoot, { recursive: true, force: true });
  }
  mkdirSync(benchmarkRoot, { recursive: true });
  const benchmarks = fixtureBenchmarks(samples);
  const benchmarkPaths = new Map<string, string>();
  for (const benchmark of benchmarks) benchmarkPaths.set(benchmark.name, await writeBenchmarkFolder(benchmarkRoot, benchmark));

  const [llava15, llavaNext] = FIXTURE_MODELS;
  if (!llava15 || !llavaNext) throw new Error('fixture models missing');
  const plans: SweepPlan[] = [
    { name: 'fixture · llava-1.5 budgets', models: [llava15], benchmarks, methods: METHODS, progress: 1, startedAt: now - 3 * 3600_000, durationMs: 50 * 60_000 },
    { name: 'fixture · llava-next (running)', models: [llavaNext], benchmarks, methods: METHODS, progress: 0.6, startedAt: now - 12 * 60_000, durationMs: 12 * 60_000 - 2000 },
  ];
  const opened = openDatabase(path);
  try {
    const rows = opened.db.transaction((tx) =>
      populate(tx, plans, { now, shardSize: 10, indices: 'realistic', benchmarkPaths, workerIds: ['fixture-gpu-1', 'fixture-gpu-2', 'fixture-cpu-3'] }),
    );
    return { path, benchmarkRoot, rows };
  } finally {
    opened.close();
  }
}
