import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('committed migrations', () => {
  it('match src/schema.ts (drizzle-kit generate finds nothing new)', () => {
    const out = mkdtempSync(join(tmpdir(), 'prunebench-migrations-'));
    try {
      cpSync(join(root, 'drizzle'), out, { recursive: true });
      const before = readdirSync(out).sort();
      const bin = join(root, '..', '..', 'node_modules', '.bin', 'drizzle-kit');
      // drizzle-kit prefixes `./` to --out, so it must be relative to the package folder.
      const args = ['generate', '--dialect', 'sqlite', '--schema', './src/schema.ts', '--casing', 'snake_case'];
      const output = execFileSync(bin, [...args, '--out', relative(root, out)], { cwd: root, encoding: 'utf8' });
      expect(output).toMatch(/No schema changes/);
      expect(readdirSync(out).sort()).toEqual(before);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
