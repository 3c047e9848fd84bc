import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files above this size are hashed by their size, head and tail, so multi-GB weights hash in milliseconds. */
const FULL_HASH_LIMIT = 64 * 1024 * 1024;
const EDGE_BYTES = 4 * 1024 * 1024;

function listFiles(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(root, full, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

function hashRange(hash: ReturnType<typeof createHash>, fd: number, start: number, length: number): void {
  const buffer = Buffer.alloc(Math.min(length, 1 << 20));
  let position = start;
  let left = length;
  while (left > 0) {
    const read = readSync(fd, buffer, 0, Math.min(buffer.length, left), position);
    if (read <= 0) break;
    hash.update(buffer.subarray(0, read));
    position += read;
    left -= read;
  }
}

/**
 * A folder's content identity (model or benchmark): sha256 over every non-hidden file's relative path, size and
 * bytes, in sorted path order. Coordinator and workers compute it the same way, so a worker whose copy differs from
 * the registered one is never given that model's work.
 */
export function contentHash(folder: string): string {
  const files: string[] = [];
  listFiles(folder, folder, files);
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    const full = join(folder, file);
    const size = statSync(full).size;
    hash.update(`${file}\0${size}\0`);
    const fd = openSync(full, 'r');
    try {
      if (size <= FULL_HASH_LIMIT) hashRange(hash, fd, 0, size);
      else {
        hashRange(hash, fd, 0, EDGE_BYTES);
        hashRange(hash, fd, size - EDGE_BYTES, EDGE_BYTES);
      }
    } finally {
      closeSync(fd);
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
