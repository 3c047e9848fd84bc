import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/prunebench.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'prunebench-bench-'));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, 'bench', 'synth', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('prunebench bench synth', () => {
  it('writes a benchmark folder for the requested split', { timeout: 30_000 }, () => {
    const out = join(dir, 'val');
    const result = run(['--out', out, '--split', 'validation', '--scenes', '3', '--questions-per-scene', '2', '--no-progress']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/synth-shapes-validation .*3 scenes, 6 samples/);
    const header = JSON.parse(readFileSync(join(out, 'benchmark.json'), 'utf8')) as { split: string; samples: number };
    expect(header).toMatchObject({ split: 'validation', samples: 6 });
    expect(readdirSync(join(out, 'images'))).toHaveLength(3);
  });

  it('rejects bad options in one line', { timeout: 30_000 }, () => {
    const result = run(['--out', join(dir, 'x'), '--scenes', 'many']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--scenes must be an integer/);
    expect(run(['--out', join(dir, 'y'), '--split', 'dev']).stderr).toMatch(/Allowed choices are train, validation, test/);
  });
});
