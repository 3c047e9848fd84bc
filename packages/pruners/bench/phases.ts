/**
 * Where one method's time goes, phase by phase, without PyTorch: `tsx bench/phases.ts dart 2880x4096 [reps]`.
 * Prints the median and max of each phase over `reps` runs after one warm-up: validation (buildContext), the
 * method's own code before, between and after its backend requests, each request on the onnxruntime backend, and
 * the rest of pruneAsync (result assembly) as the total of a plain pruneAsync run minus those phases' medians.
 * A nice-19 job beside it still slows both cores (caches, memory bandwidth); do not work around that with
 * `chrt -f` for more than a short run: a real-time bench (PyTorch's multi-second methods) starved the machine
 * until the kernel's RT throttling stepped in, stalling everyone else's processes for minutes.
 */
import { createOnnxLinalg } from '@prunebench/linalg-onnx';
import { getMethod, pruneAsync } from '../src/index.ts';
import { serveAsync, type LinalgRequest } from '../src/linalg/backend.ts';
import { buildContext } from '../src/validate.ts';
import { makeInput } from './data.ts';

const [method = 'dart', size = '2880x4096', repsText = '20'] = process.argv.slice(2);
const [n, d] = size.split('x').map(Number) as [number, number];
const reps = Number(repsText);
const input = makeInput(n, d);
const keep = Math.round(n * (2 / 9));
const spec = getMethod(method);
const backend = await createOnnxLinalg({ intraOpNumThreads: 2 });
const phases = new Map<string, number[]>();
const note = (label: string, ms: number) => phases.set(label, [...(phases.get(label) ?? []), ms]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

for (let r = 0; r <= reps; r++) {
  const record = r > 0 ? note : () => undefined;
  let start = performance.now();
  const lap = (label: string) => {
    const now = performance.now();
    record(label, now - start);
    start = now;
  };
  const ctx = buildContext(spec, input, { keep });
  lap('validation (buildContext)');
  const run = spec.run(ctx);
  if (typeof (run as Partial<Generator>).next !== 'function') {
    lap('method');
  } else {
    const steps = run as Generator<LinalgRequest, unknown, Float32Array>;
    let step = steps.next();
    for (let request = 0; !step.done; request++) {
      lap(`method code before request ${request}`);
      const result = await serveAsync(backend, step.value);
      lap(`backend request ${request} (${step.value.op})`);
      step = steps.next(result);
    }
    lap('method code after the last request');
  }
  const totalStart = performance.now();
  await pruneAsync(method, input, { keep }, backend);
  record('whole pruneAsync', performance.now() - totalStart);
}
await backend.dispose();

const parts = [...phases].filter(([label]) => label !== 'whole pruneAsync');
const whole = median(phases.get('whole pruneAsync') ?? []);
for (const [label, times] of parts) {
  process.stdout.write(`${label.padEnd(40)} median ${median(times).toFixed(3).padStart(8)} ms   max ${Math.max(...times).toFixed(3).padStart(8)} ms\n`);
}
const rest = whole - parts.reduce((sum, [, times]) => sum + median(times), 0);
process.stdout.write(`${'rest (result assembly, GC, awaits)'.padEnd(40)} median ${rest.toFixed(3).padStart(8)} ms\n`);
process.stdout.write(`${'whole pruneAsync'.padEnd(40)} median ${whole.toFixed(3).padStart(8)} ms   max ${Math.max(...(phases.get('whole pruneAsync') ?? [])).toFixed(3).padStart(8)} ms\n`);
