import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBenchmark } from '@prunebench/datasets';
import { benchmarks, contentHash, models } from '@prunebench/db';
import { eq } from 'drizzle-orm';
import type { Context } from '../context.ts';

function findFolder(dirs: string[], name: string, marker: string): string | undefined {
  return dirs.map((dir) => resolve(dir, name)).find((folder) => existsSync(join(folder, marker)));
}

export interface RegisteredAsset {
  name: string;
  contentHash: string;
}

/**
 * Finds a model folder by name under the coordinator's model folders, hashes it and records it in the registry.
 * A model only a remote worker has can still be used when the registry already knows it.
 */
export function registerModel(ctx: Context, name: string): RegisteredAsset {
  const folder = findFolder(ctx.modelDirs, name, 'model.json');
  if (!folder) {
    const known = ctx.db.select().from(models).where(eq(models.name, name)).get();
    if (known) return known;
    throw new Error(`model "${name}": no ${name}/model.json under ${ctx.modelDirs.join(', ') || '(no --models folder)'}`);
  }
  const hash = contentHash(folder);
  let meta: Record<string, unknown>;
  try {
    const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as Record<string, unknown>;
    meta = { family: manifest.family, format: manifest.format };
  } catch (error) {
    throw new Error(`model "${name}": ${join(folder, 'model.json')} is not valid JSON`, { cause: error });
  }
  const row = { name, contentHash: hash, path: folder, meta, registeredAt: ctx.now() };
  ctx.db.insert(models).values(row).onConflictDoUpdate({ target: models.name, set: row }).run();
  return row;
}

export async function registerBenchmark(ctx: Context, name: string): Promise<RegisteredAsset & { samples: number }> {
  const folder = findFolder(ctx.benchDirs, name, 'benchmark.json');
  if (!folder) {
    const known = ctx.db.select().from(benchmarks).where(eq(benchmarks.name, name)).get();
    if (known) return known;
    throw new Error(`benchmark "${name}": no ${name}/benchmark.json under ${ctx.benchDirs.join(', ') || '(no --benches folder)'}`);
  }
  // The datasets package validates the whole folder (header, every sample line, image files) with file:line errors.
  const { header } = await readBenchmark(folder);
  if (header.name !== name) throw new Error(`benchmark folder ${folder} says its name is "${header.name}", not "${name}"`);
  const row = {
    name,
    contentHash: contentHash(folder),
    path: folder,
    samples: header.samples,
    meta: { version: header.version, metrics: header.metrics, split: header.split },
    registeredAt: ctx.now(),
  };
  ctx.db.insert(benchmarks).values(row).onConflictDoUpdate({ target: benchmarks.name, set: row }).run();
  return row;
}
