import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const bin = fileURLToPath(new URL('../bin/prunebench.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'prunebench-prune-'));

function run(args: string[], input?: unknown): { code: number | null; stdout: string; stderr: string } {
  const file = join(dir, 'in.json');
  if (input !== undefined) writeFileSync(file, JSON.stringify(input));
  const result = spawnSync(process.execPath, [bin, 'prune', ...args.map((a) => (a === '@in' ? file : a))], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const input = {
  tokens: [1, 0, 0, 1, 1, 1, 0.5, 0.2, -1, 0, 0, -1],
  n: 6, d: 2,
  layout: { views: [{ offset: 0, rows: 2, cols: 3 }] },
  signals: { clsAttention: [0.1, 0.5, 0.2, 0.9, 0.3, 0] },
};

// Each case spawns the real binary (tsx compiles on load): seconds each on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

describe('prunebench prune', () => {
  it('prints the kept indices as JSON', () => {
    const out = run(['--method', 'fastervlm', '--keep', '2', '--input', '@in'], input);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ keep: [1, 3] });
  });

  it('passes params and prints merged tokens for merging methods', () => {
    const out = run(['--method', 'visionzip', '--keep', '3', '--input', '@in', '--params', '{"dominantRatio":0.34}'], input);
    expect(out.code).toBe(0);
    const parsed = JSON.parse(out.stdout) as { keep: number[]; tokens: number[] };
    expect(parsed.keep).toEqual([0, 2, 3]);
    expect(parsed.tokens).toHaveLength(6);
  });

  it('reports bad input in one line naming the field', () => {
    const missing = run(['--method', 'fastv', '--keep', '2', '--input', '@in'], input);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^prunebench: signals\.lastTokenAttention: missing.*decoder head/);
    expect(run(['--method', 'fastervlm', '--keep', '9', '--input', '@in'], input).stderr).toMatch(/^prunebench: keep: must be an integer in \[1, 6\]/);
    expect(run(['--method', 'fastervlm', '--keep', '2', '--input', '@in', '--params', '{"x":1}'], input).stderr).toMatch(/params\.x: unknown parameter/);
    expect(run(['--method', 'fastervlm', '--keep', '2', '--input', '@in'], { ...input, tokens: 'abc' }).stderr).toMatch(/^prunebench: --input .*: tokens:/);
  });

  it('gives the same answer on the onnxruntime backend', () => {
    const onnx = run(['--method', 'divprune', '--keep', '3', '--input', '@in', '--backend', 'onnx'], input);
    const ts = run(['--method', 'divprune', '--keep', '3', '--input', '@in', '--backend', 'ts'], input);
    expect(onnx.code).toBe(0);
    expect(JSON.parse(onnx.stdout)).toEqual(JSON.parse(ts.stdout));
  });

  it('documents the input format in --help', () => {
    const out = run(['--help']);
    expect(out.stdout).toMatch(/"layout": \{ "views"/);
    expect(out.stdout).toMatch(/lastTokenAttention/);
  });
});
