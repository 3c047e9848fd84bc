// Replays the parity file written by export_layout.py (torch inputs and outputs of every graph) through
// onnxruntime-node and fails when any output differs by more than the tolerance.
// Usage: node tools/modelkit/check_parity.mjs <model-dir> <parity.json> [tolerance]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [modelDir, parityPath, tolArg] = process.argv.slice(2);
if (!modelDir || !parityPath) {
  console.error('usage: check_parity.mjs <model-dir> <parity.json> [tolerance]');
  process.exit(2);
}
const tolerance = Number(tolArg ?? '1e-4');
const cases = JSON.parse(readFileSync(parityPath, 'utf8'));
const intInputs = new Set(['input_ids', 'attention_mask', 'position_ids']);
let worst = 0;
let failed = false;
for (const [caseName, { inputs, outputs }] of Object.entries(cases)) {
  const file = `${caseName.replace(/_prefill$/, '')}.onnx`;
  const session = await ort.InferenceSession.create(join(modelDir, file));
  const feeds = {};
  for (const [name, { dims, data }] of Object.entries(inputs)) {
    feeds[name] = intInputs.has(name)
      ? new ort.Tensor('int64', BigInt64Array.from(data.map((v) => BigInt(v))), dims)
      : new ort.Tensor('float32', Float32Array.from(data), dims);
  }
  const got = await session.run(feeds);
  for (const [name, { dims, data }] of Object.entries(outputs)) {
    const tensor = got[name];
    if (!tensor) throw new Error(`${file}: missing output ${name}`);
    if (tensor.dims.join(',') !== dims.join(',')) {
      console.error(`${caseName}.${name}: dims ${tensor.dims} != ${dims}`);
      failed = true;
      continue;
    }
    let maxErr = 0;
    for (let i = 0; i < data.length; i++) maxErr = Math.max(maxErr, Math.abs(Number(tensor.data[i]) - data[i]));
    worst = Math.max(worst, maxErr);
    if (maxErr > tolerance) {
      console.error(`${caseName}.${name}: max abs diff ${maxErr}`);
      failed = true;
    }
  }
  console.log(`${caseName}: ok=${!failed} outputs=${Object.keys(outputs).length}`);
}
console.log(`worst max abs diff ${worst.toExponential(2)} (tolerance ${tolerance})`);
process.exit(failed ? 1 : 0);
