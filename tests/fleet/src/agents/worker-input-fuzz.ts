/**
 * Bad input at the worker's edge, in a child process of the suite (a native crash in an image decoder or in
 * onnxruntime must show up as a finding, not take the suite down). Three seeded targets:
 * - images: corrupt, truncated, hostile (decompression bomb, SVG) files given to the real pipeline;
 * - onnx: truncated, corrupted, swapped and other-family graphs in a model folder;
 * - manifest: model.json with wrong types, missing fields, broken JSON.
 * Every case must end in success or in an error naming the file at fault, within a time limit, and the loaded model
 * must still evaluate a good sample afterwards. Prints `case ...` lines as it goes; writes the tallies to `--out`.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { readBenchmark, type BenchmarkSample } from '@prunebench/datasets';
import { evaluateSample, openModel, type LoadedModel } from '@prunebench/worker';

interface Tally {
  cases: number;
  accepted: number;
  clearErrors: number;
  problems: string[];
}

const GRAPHS = ['vision.onnx', 'projector.onnx', 'embed_tokens.onnx', 'decoder_head.onnx', 'decoder_tail.onnx', 'text_encoder.onnx'];

function withTimeout<T>(what: string, ms: number, run: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`TIMEOUT: ${what} took over ${ms} ms`)), ms);
    run.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Judges one case: success, or an error that names one of `culprits` on its first line and carries no stack trace. */
async function judge(tally: Tally, label: string, culprits: string | string[], run: () => Promise<unknown>): Promise<void> {
  const names = typeof culprits === 'string' ? [culprits] : culprits;
  tally.cases++;
  process.stdout.write(`case ${label}\n`);
  try {
    await withTimeout(label, 30_000, run());
    tally.accepted++;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const firstLine = message.split('\n')[0] ?? '';
    if (message.startsWith('TIMEOUT')) tally.problems.push(`${label}: ${message}`);
    else if (!names.some((name) => firstLine.includes(name))) tally.problems.push(`${label}: error does not name ${names.join(' or ')}: ${firstLine.slice(0, 240)}`);
    else if (/\n\s+at \S/.test(message)) tally.problems.push(`${label}: error message carries a stack trace`);
    else tally.clearErrors++;
  }
}

function mutateBytes(bytes: Buffer, how: { kind: 'truncate' | 'flip' | 'random' | 'empty' | 'prefix'; at: number; flips: number[]; random: Uint8Array }): Buffer {
  switch (how.kind) {
    case 'truncate':
      return bytes.subarray(0, Math.floor(how.at * bytes.length));
    case 'flip': {
      const copy = Buffer.from(bytes);
      for (const f of how.flips) copy[Math.floor(f * copy.length)] = (copy[Math.floor(f * copy.length)] ?? 0) ^ 0xff;
      return copy;
    }
    case 'random':
      return Buffer.from(how.random);
    case 'empty':
      return Buffer.alloc(0);
    case 'prefix':
      return bytes.subarray(0, Math.min(bytes.length, 8 + Math.floor(how.at * 64)));
  }
}

const byteMutation = fc.record({
  kind: fc.constantFrom('truncate', 'flip', 'random', 'empty', 'prefix') as fc.Arbitrary<'truncate' | 'flip' | 'random' | 'empty' | 'prefix'>,
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  flips: fc.array(fc.double({ min: 0, max: 0.9999, noNaN: true }), { minLength: 1, maxLength: 16 }),
  random: fc.uint8Array({ maxLength: 4096 }),
});

/** A PNG header that declares a 60000 x 60000 image (a decompression bomb), and an SVG that points outside. */
function hostileImages(): Array<{ name: string; bytes: Buffer }> {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const dims = Buffer.alloc(8);
  dims.writeUInt32BE(60_000, 0);
  dims.writeUInt32BE(60_000, 4);
  return [
    { name: 'bomb-header', bytes: Buffer.concat([png, dims, Buffer.from('0806000000', 'hex'), Buffer.alloc(64)]) },
    { name: 'svg-external', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64"><image xlink:href="file:///etc/passwd" width="64" height="64"/></svg>') },
    { name: 'svg-huge', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="200000" height="200000"><rect width="200000" height="200000"/></svg>') },
    { name: 'text', bytes: Buffer.from('this is not an image\n') },
  ];
}

async function imagesTarget(seed: number, n: number, model: LoadedModel, benchDir: string, sample: BenchmarkSample): Promise<Tally> {
  const tally: Tally = { cases: 0, accepted: 0, clearErrors: 0, problems: [] };
  const { header } = await readBenchmark(benchDir);
  const original = readFileSync(join(benchDir, sample.image));
  const setting = { method: 'random', keep: 16, seed: 0 };
  const files = [...hostileImages(), ...fc.sample(byteMutation, { seed, numRuns: Math.max(0, n - 4) }).map((m, i) => ({ name: `${m.kind}-${i}`, bytes: mutateBytes(original, m) }))];
  for (const [i, file] of files.slice(0, Math.max(n, 4)).entries()) {
    const image = `images/fuzz-${i}.png`;
    writeFileSync(join(benchDir, image), file.bytes);
    await judge(tally, `image ${i} (${file.name})`, `fuzz-${i}.png`, () => evaluateSample(model, { dir: benchDir, header }, { ...sample, image }, setting));
    if (i % 20 === 19) await judge(tally, `image ${i}: good sample afterwards`, '(none)', () => evaluateSample(model, { dir: benchDir, header }, sample, setting));
  }
  return tally;
}

async function onnxTarget(seed: number, n: number, modelDir: string, otherModelDir: string, work: string, benchDir: string, sample: BenchmarkSample): Promise<Tally> {
  const tally: Tally = { cases: 0, accepted: 0, clearErrors: 0, problems: [] };
  const { header } = await readBenchmark(benchDir);
  const kinds = fc.record({ graph: fc.constantFrom(...GRAPHS), how: fc.oneof({ weight: 4, arbitrary: byteMutation.map((m) => ({ op: 'bytes' as const, m })) }, { weight: 1, arbitrary: fc.constantFrom(...GRAPHS).map((other) => ({ op: 'swap' as const, other })) }, { weight: 1, arbitrary: fc.constant({ op: 'other-family' as const }) }) });
  for (const [i, c] of fc.sample(kinds, { seed, numRuns: n }).entries()) {
    const dir = join(work, `model-${i % 2}`);
    rmSync(dir, { recursive: true, force: true });
    cpSync(modelDir, dir, { recursive: true });
    const target = join(dir, c.graph);
    let label: string;
    if (c.how.op === 'bytes') {
      writeFileSync(target, mutateBytes(readFileSync(target), c.how.m));
      label = `${c.how.m.kind} ${c.graph}`;
    } else if (c.how.op === 'swap') {
      copyFileSync(join(modelDir, c.how.other), target);
      label = `${c.graph} replaced by ${c.how.other}`;
    } else {
      try {
        copyFileSync(join(otherModelDir, c.graph), target);
      } catch {
        copyFileSync(join(otherModelDir, 'vision.onnx'), target);
      }
      label = `${c.graph} from another model family`;
    }
    await judge(tally, `onnx ${i} (${label})`, c.graph, async () => {
      const model = await openModel(dir);
      try {
        await evaluateSample(model, { dir: benchDir, header }, sample, { method: 'random', keep: 16, seed: 0 });
      } finally {
        await model.close();
      }
    });
  }
  return tally;
}

async function manifestTarget(seed: number, n: number, modelDir: string, work: string): Promise<Tally> {
  const tally: Tally = { cases: 0, accepted: 0, clearErrors: 0, problems: [] };
  const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]): void => {
    paths.push(path);
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(manifest, []);
  const mutation = fc.oneof(
    { weight: 4, arbitrary: fc.record({ path: fc.constantFrom(...paths.filter((p) => p.length > 0)), value: fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e9, '', null, [], {}, '../../etc/passwd', 'x'.repeat(10_000))), drop: fc.boolean() }).map((m) => ({ op: 'set' as const, ...m })) },
    { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ op: 'truncate' as const, at })) },
  );
  for (const [i, m] of fc.sample(mutation, { seed, numRuns: n }).entries()) {
    const dir = join(work, 'manifest-model');
    rmSync(dir, { recursive: true, force: true });
    cpSync(modelDir, dir, { recursive: true });
    let label: string;
    if (m.op === 'truncate') {
      const text = JSON.stringify(manifest, null, 2);
      writeFileSync(join(dir, 'model.json'), text.slice(0, Math.floor(m.at * text.length)));
      label = `truncated at ${(m.at * 100).toFixed(0)}%`;
    } else {
      const copy = structuredClone(manifest);
      let node = copy as Record<string, unknown>;
      for (const key of m.path.slice(0, -1)) node = node[key] as Record<string, unknown>;
      const last = m.path[m.path.length - 1]!;
      if (m.drop) delete node[last];
      else node[last] = m.value;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(copy));
      label = `${m.drop ? 'dropped' : 'set'} ${m.path.join('.')}`;
    }
    // A field that names another file (a graph, the tokenizer) may fail on that file instead: naming it is as clear.
    const culprits = m.op === 'set' ? ['model.json', `${m.path.join('.')}`, `graphs.${m.path[m.path.length - 1]}`] : ['model.json'];
    if (m.op === 'set' && typeof m.value === 'string' && m.value.trim() !== '') culprits.push(m.value.slice(0, 40));
    await judge(tally, `model.json ${i} (${label.slice(0, 80)})`, culprits, async () => {
      const model = await openModel(dir);
      await model.close();
    });
  }
  return tally;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string' }, images: { type: 'string' }, onnx: { type: 'string' }, manifest: { type: 'string' }, model: { type: 'string' }, other: { type: 'string' }, bench: { type: 'string' }, work: { type: 'string' } } });
  const seed = Number(values.seed ?? 1);
  const work = values.work!;
  mkdirSync(work, { recursive: true });
  const benchDir = join(work, 'bench');
  cpSync(values.bench!, benchDir, { recursive: true });
  const { samples } = await readBenchmark(benchDir);
  const sample = samples[0]!;
  const model = await openModel(values.model!);
  const images = await imagesTarget(seed, Number(values.images ?? 0), model, benchDir, sample);
  await model.close();
  const onnx = await onnxTarget(seed + 1, Number(values.onnx ?? 0), values.model!, values.other!, work, benchDir, sample);
  const manifest = await manifestTarget(seed + 2, Number(values.manifest ?? 0), values.model!, work);
  for (const tally of [images, onnx, manifest]) tally.problems = tally.problems.map((p) => (p.length > 400 ? `${p.slice(0, 400)}...` : p));
  writeFileSync(values.out!, `${JSON.stringify({ images, onnx, manifest })}\n`);
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`worker-input-fuzz: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
