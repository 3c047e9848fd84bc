/**
 * `npm run bench -w @prunebench/pruners`: times every method at (n, d) = (576, 1024), (576, 4096), (2880, 4096)
 * against bench/torch_ref.py (the same algorithms in PyTorch, CPU, 2 threads) in the same run, interleaved method
 * by method so both sides see the same machine load. Writes bench-results/latest.json and a markdown table.
 * Options (env): BENCH_SIZES="576x1024,2880x4096", BENCH_METHODS="gprune,dart", BENCH_REPS=5, BENCH_PEAK=0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createOnnxLinalg } from '@prunebench/linalg-onnx';
import { METHOD_IDS, prune, pruneAsync, tsLinalg, type PruneInput } from '../src/index.ts';
import { makeInput, writeInput } from './data.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? '576x1024,576x4096,2880x4096').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const only = process.env.BENCH_METHODS?.split(',');
const methodIds = METHOD_IDS.filter((id) => !only || only.includes(id));
const repsFor = (n: number) => Number(process.env.BENCH_REPS ?? (n > 1000 ? 3 : 5));
const keepFor = (n: number) => Math.round(n * (2 / 9)); // 22.2%: 128 of 576, 640 of 2880
/** The pure-TS backend is timed too where it is still reasonable (a few hundred ms). */
const tsBackendTooSlow = (n: number, d: number) => n * n * d > 576 * 576 * 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function torchServer() {
  const child = spawn('/usr/bin/python3', [join(here, 'torch_ref.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async ask<T>(command: object): Promise<T> {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      const line = await lines.next();
      if (line.done) throw new Error('torch_ref.py exited (is /usr/bin/python3 with torch installed?)');
      return JSON.parse(line.value) as T;
    },
    close: () => child.stdin.end(),
  };
}

/**
 * A pause before each timed run, the same for both sides. OpenBLAS's worker threads keep spinning for up to ~0.1 s
 * after a product, and on 2 cores that tail landed on our next run (G-Prune 190 ms without the pause, 150 ms with
 * it; PyTorch's times unchanged). Sub-5 ms methods get 1 ms instead: on this VM any 100 ms gap, slept or busy,
 * made the next sub-millisecond run ~0.15 ms slower on both sides (FastV 0.11 ms after 1-20 ms, 0.24 ms after
 * 100 ms), which swamps them; their PyTorch versions run no BLAS product that would leave a tail.
 */
const settleMsFor = (warmMs: number) => Number(process.env.BENCH_SETTLE_MS ?? (warmMs < 5 ? 1 : 100));
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Untimed runs before the timed ones, the same number on both sides: one for a method that takes a while, up to 500
 * (about 200 ms) for sub-millisecond ones, whose first hundreds of calls run in V8's interpreter and baseline tiers
 * rather than as optimised code (0.2-0.3 ms against 0.04-0.08 ms for random at n = 2880). A sweep calls a method
 * thousands of times in one worker; PyTorch's side is compiled C++ from the start.
 */
const WARMUP_MS = 200;
const MAX_WARMUPS = 500;

/**
 * Calls per timed sample, the same on both sides, for methods that take well under a millisecond: one call of a few
 * tens of microseconds is at the mercy of the timer and of whatever the other process left in the caches, so each
 * sample times ~1 ms of back-to-back calls and reports the time per call (Python's timeit does the same).
 */
const innerCallsFor = (warmMs: number) => Math.min(100, Math.max(1, Math.floor(1 / Math.max(warmMs, 1e-3))));

/** Milliseconds as printed: three decimals below 1 ms (the top-k methods take tens of microseconds), else one. */
const ms = (x: number) => x.toFixed(x < 1 ? 3 : 1);

/**
 * Warm both sides up, then alternate one timed run of ours with one of PyTorch, so that the shared machine's load
 * swings hit both alike.
 */
async function timeBoth(
  ours: () => Promise<Int32Array>, torch: ReturnType<typeof torchServer>, method: string, keep: number, reps: number,
): Promise<{ oursMs: number[]; torchMs: number[]; keep: Int32Array; torchKeep: number[] }> {
  // Warm-ups: ours until ~200 ms have passed or 500 runs (one for a method that takes a while); PyTorch gets as many.
  const warmStart = performance.now();
  let kept = await ours();
  let warmups = 1;
  let lastMs = performance.now() - warmStart;
  while (warmups < MAX_WARMUPS && performance.now() - warmStart < WARMUP_MS) {
    const start = performance.now();
    kept = await ours();
    lastMs = performance.now() - start;
    warmups++;
  }
  const settleMs = settleMsFor(lastMs);
  const inner = innerCallsFor(lastMs);
  let ref = await torch.ask<{ times: number[]; keep: number[] }>({ run: method, keep, reps: warmups, warmup: false });
  const oursMs: number[] = [];
  const torchMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    await settle(settleMs);
    const start = performance.now();
    for (let call = 0; call < inner; call++) kept = await ours();
    oursMs.push((performance.now() - start) / inner);
    await settle(settleMs);
    ref = await torch.ask<{ times: number[]; keep: number[] }>({ run: method, keep, reps: 1, warmup: false, inner });
    torchMs.push(...ref.times);
  }
  return { oursMs, torchMs, keep: kept, torchKeep: ref.keep };
}

async function timeIt(run: () => Promise<Int32Array> | Int32Array, reps: number): Promise<{ times: number[]; keep: Int32Array }> {
  let keep = await run();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    keep = await run();
    times.push(performance.now() - start);
  }
  return { times, keep };
}

function overlap(a: ArrayLike<number>, b: number[]): number {
  const set = new Set(b);
  let both = 0;
  for (let i = 0; i < a.length; i++) if (set.has(a[i] as number)) both++;
  return both / Math.max(1, a.length);
}

function peakMemory(dir: string, method: string, keep: number): { methodMb: number; peakMb: number } | undefined {
  const out = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'peak.ts'), dir, method, String(keep)], { encoding: 'utf8' });
  if (out.status !== 0) {
    process.stderr.write(`peak memory of ${method} failed: ${out.stderr.split('\n')[0] ?? ''}\n`);
    return undefined;
  }
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as { methodMb: number; peakMb: number };
}

interface Row {
  n: number; d: number; keep: number; method: string; backend: string;
  tsMs: number; torchMs: number; ratio: number; overlap: number | null; tsBackendMs?: number; methodMb?: number; peakMb?: number;
}

const torch = torchServer();
const onnx = await createOnnxLinalg({ intraOpNumThreads: 2 });
const rows: Row[] = [];
const work = mkdtempSync(join(tmpdir(), 'prunebench-bench-'));
const load = { before: loadavg()[0] ?? 0, after: 0 };
try {
  for (const [n, d] of sizes) {
    const input: PruneInput = makeInput(n, d);
    const dir = join(work, `${n}x${d}`);
    writeInput(dir, input);
    await torch.ask({ load: dir });
    const keep = keepFor(n);
    const reps = repsFor(n);
    // Both sides produce the kept indices and, for VisionZip, the merged tokens' new features; neither packs all
    // kept tokens into one output array (torch_ref.py returns indices), so ours skips that copy too.
    const options = { keep, packTokens: false };
    for (const method of methodIds) {
      const both = await timeBoth(async () => (await pruneAsync(method, input, options, onnx)).keep, torch, method, keep, reps);
      const row: Row = {
        n, d, keep, method, backend: onnx.name,
        tsMs: median(both.oursMs), torchMs: median(both.torchMs), ratio: median(both.oursMs) / median(both.torchMs),
        overlap: method === 'random' ? null : overlap(both.keep, both.torchKeep),
      };
      if (!tsBackendTooSlow(n, d)) row.tsBackendMs = median((await timeIt(() => prune(method, input, { keep }, tsLinalg).keep, 3)).times);
      if (n === 2880 && process.env.BENCH_PEAK !== '0') Object.assign(row, peakMemory(dir, method, keep));
      rows.push(row);
      process.stderr.write(`${n}x${d} ${method}: ours ${ms(row.tsMs)} ms, torch ${ms(row.torchMs)} ms (x${row.ratio.toFixed(2)})\n`);
    }
  }
} finally {
  torch.close();
  await onnx.dispose();
  rmSync(work, { recursive: true, force: true });
}
load.after = loadavg()[0] ?? 0;

const cell = (x: number | undefined, format: (x: number) => string) => (x === undefined ? '-' : format(x));
const table = [
  '| n x d | keep | method | ours (ms) | PyTorch (ms) | ours / PyTorch | same kept set | pure-TS backend (ms) | process peak RSS (MB) |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.n} x ${r.d} | ${r.keep} | ${r.method} | ${ms(r.tsMs)} | ${ms(r.torchMs)} | ${r.ratio.toFixed(2)} | ${r.overlap === null ? 'n/a (RNG)' : `${(100 * r.overlap).toFixed(1)}%`} | ${cell(r.tsBackendMs, ms)} | ${cell(r.peakMb, (x) => x.toFixed(0))} |`),
].join('\n');
const resultsDir = join(here, '..', 'bench-results');
mkdirSync(resultsDir, { recursive: true });
const meta = { date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAvg1m: load, node: process.version, threads: 2 };
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
writeFileSync(join(resultsDir, 'latest.md'), `${table}\n`);
process.stdout.write(`${table}\n\n${JSON.stringify(meta)}\n`);
