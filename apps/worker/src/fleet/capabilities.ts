import { existsSync, readdirSync } from 'node:fs';
import { hostname, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { contentHash } from '@prunebench/db';
import type { Asset, WorkerCapabilities } from '@prunebench/proto';

export interface LocalAsset extends Asset {
  dir: string;
}

/** Sub-folders of `dirs` holding `marker` (model.json / benchmark.json), by folder name, with content hashes. */
export function scanAssets(dirs: readonly string[], marker: string): LocalAsset[] {
  const found = new Map<string, LocalAsset>();
  for (const dir of dirs) {
    const root = resolve(dir);
    if (!existsSync(root)) throw new Error(`folder not found: ${dir}`);
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const folder = join(root, entry.name);
      if (!entry.isDirectory() || found.has(entry.name) || !existsSync(join(folder, marker))) continue;
      found.set(entry.name, { name: entry.name, contentHash: contentHash(folder), dir: folder });
    }
  }
  return [...found.values()];
}

export interface LocalInventory {
  models: LocalAsset[];
  benchmarks: LocalAsset[];
}

export function describeWorker(inventory: LocalInventory, provider: string, threads: number, simulated: boolean): { host: string; capabilities: WorkerCapabilities } {
  const strip = ({ name, contentHash: hash }: LocalAsset): Asset => ({ name, contentHash: hash });
  return {
    host: hostname(),
    capabilities: {
      models: inventory.models.map(strip),
      benchmarks: inventory.benchmarks.map(strip),
      provider,
      memoryBytes: totalmem(),
      threads,
      simulated,
      version: '0.1.0',
    },
  };
}
