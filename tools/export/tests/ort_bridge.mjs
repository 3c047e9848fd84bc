// Runs ONNX graphs with onnxruntime-node (the worker's runtime) for the exporter's Python tests.
// Protocol: one JSON request per stdin line, one JSON reply per stdout line.
//   {"op":"load","path":P}                       -> {"inputs":[..],"outputs":[..]}
//   {"op":"run","path":P,"feeds":{name:{type,dims,data(base64)}}} -> {"outputs":{name:{type,dims,data}}}
import { createInterface } from 'node:readline';
import ort from 'onnxruntime-node';

const ARRAYS = { float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array };
const sessions = new Map();

function decode({ type, dims, data }) {
  const bytes = Buffer.from(data, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const Array = ARRAYS[type];
  if (!Array) throw new Error(`unsupported tensor type ${type}`);
  return new ort.Tensor(type, new Array(copy.buffer), dims);
}

function encode(tensor) {
  const view = tensor.data;
  const data = Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
  return { type: tensor.type, dims: tensor.dims, data };
}

async function handle(request) {
  if (request.op === 'load') {
    const session = await ort.InferenceSession.create(request.path);
    sessions.set(request.path, session);
    return { inputs: session.inputNames, outputs: session.outputNames };
  }
  if (request.op === 'run') {
    const session = sessions.get(request.path);
    if (!session) throw new Error(`not loaded: ${request.path}`);
    const feeds = Object.fromEntries(Object.entries(request.feeds).map(([name, t]) => [name, decode(t)]));
    const results = await session.run(feeds);
    return { outputs: Object.fromEntries(Object.entries(results).map(([name, t]) => [name, encode(t)])) };
  }
  throw new Error(`unknown op ${request.op}`);
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let reply;
  try {
    reply = await handle(JSON.parse(line));
  } catch (error) {
    reply = { error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
