import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('src/gen', () => {
  it('is exactly what `npm run generate` makes from the .proto files', () => {
    const out = mkdtempSync(join(tmpdir(), 'prunebench-proto-'));
    try {
      execFileSync(join(root, '..', '..', 'node_modules', '.bin', 'buf'), ['generate', '-o', out], { cwd: root });
      const fresh = listFiles(join(out, 'src', 'gen')).sort();
      expect(listFiles(join(root, 'src', 'gen')).sort()).toEqual(fresh);
      for (const file of fresh) {
        const committed = readFileSync(join(root, 'src', 'gen', file), 'utf8');
        expect(committed, `${file} is stale: run npm run generate -w @prunebench/proto`).toBe(
          readFileSync(join(out, 'src', 'gen', file), 'utf8'),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
