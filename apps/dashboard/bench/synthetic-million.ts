import { existsSync, rmSync } from 'node:fs';
import { openDatabase, results } from '@prunebench/db';
import { sql } from 'drizzle-orm';
import { populate, type SweepPlan } from '../scripts/synthetic/populate.ts';
import { METHODS, type SynthBenchmark, type SynthModel } from '../scripts/synthetic/world.ts';

/**
 * The benchmark's database: about one million result rows through the shared schema, shaped like a real sweep
 * (LLaVA-1.5 and LLaVA-NeXT token counts, so kept-index blobs have realistic sizes), plus a small running sweep.
 */
const MODELS: SynthModel[] = [
  { name: 'bench-llava-1.5-7b', family: 'llava-1.5', grid: 24, tokensBefore: 576, budgets: [288, 192, 128, 64], prefillMsFull: 120, flopsFull: 8.5e12 },
  { name: 'bench-llava-next-7b', family: 'llava-next', grid: 24, tokensBefore: 2880, budgets: [1440, 640, 320], prefillMsFull: 520, flopsFull: 4.2e13 },
];

function benchmarks(samples: number): SynthBenchmark[] {
  return [
    { name: 'bench-vqa', kind: 'vqa', metric: 'vqa-accuracy', samples, fullAccuracy: 0.78 },
    { name: 'bench-gqa', kind: 'vqa', metric: 'exact-match', samples, fullAccuracy: 0.62 },
    { name: 'bench-pope', kind: 'vqa', metric: 'pope', samples, fullAccuracy: 0.86 },
    { name: 'bench-refcoco', kind: 'loc', metric: 'grounding-iou', samples, fullAccuracy: 0.7 },
  ];
}

/** Settings per benchmark: full + methods x policies x budgets, summed over models. */
function settingsPerBenchmark(): number {
  const methodRows = METHODS.reduce((s, m) => s + m.policies.length, 0);
  return MODELS.reduce((s, m) => s + 1 + methodRows * m.budgets.length, 0);
}

export function resultRows(path: string): number {
  const opened = openDatabase(path, { readonly: true });
  try {
    return opened.db.select({ n: sql<number>`count(*)` }).from(results).get()?.n ?? 0;
  } finally {
    opened.close();
  }
}

export function buildMillionRowDatabase(path: string, targetRows: number, log: (line: string) => void): number {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(`${path}${suffix}`)) rmSync(`${path}${suffix}`);
  const benchmarkCount = benchmarks(1).length;
  const samples = Math.ceil(targetRows / (settingsPerBenchmark() * benchmarkCount));
  const now = Date.now();
  const [llava15] = MODELS;
  const runningBenchmark = benchmarks(200)[0];
  if (!llava15 || !runningBenchmark) throw new Error('bench plan is empty');
  const plans: SweepPlan[] = [
    { name: 'bench · 1M rows', models: MODELS, benchmarks: benchmarks(samples), methods: METHODS, progress: 1, startedAt: now - 30 * 3600_000, durationMs: 24 * 3600_000 },
    { name: 'bench · running', models: [llava15], benchmarks: [runningBenchmark], methods: METHODS, progress: 0.5, startedAt: now - 10 * 60_000, durationMs: 10 * 60_000 - 1000 },
  ];
  const opened = openDatabase(path);
  try {
    let lastLog = 0;
    const rows = opened.db.transaction((tx) =>
      populate(tx, plans, {
        now,
        shardSize: 50,
        indices: 'strided',
        benchmarkPaths: new Map(),
        workerIds: ['bench-gpu-1', 'bench-gpu-2', 'bench-gpu-3'],
        onProgress: (n) => {
          if (n - lastLog >= 100_000) {
            lastLog = n;
            log(`  ${n.toLocaleString('en-US')} rows`);
          }
        },
      }),
    );
    opened.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    opened.sqlite.exec('ANALYZE');
    return rows;
  } finally {
    opened.close();
  }
}
