/**
 * An asynchronous linear-algebra backend for @prunebench/pruners (`pruneAsync`) on onnxruntime-node. It
 * structurally matches pruners' `AsyncLinalgBackend`, so this package needs no dependency on pruners. The worker
 * passes its execution providers (CUDA on a GPU worker); on CPU, 2 intra-op threads suit this machine.
 */
import * as ort from 'onnxruntime-node';
import { cosineCrossModel, cosineModel } from './graphs.ts';

export interface OnnxLinalgOptions {
  /** Execution providers, as for an InferenceSession (default: cpu). */
  executionProviders?: ort.InferenceSession.SessionOptions['executionProviders'];
  intraOpNumThreads?: number;
}

export interface OnnxLinalg {
  readonly name: string;
  cosine(a: Float32Array, n: number, d: number): Promise<Float32Array>;
  cosineCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
  /** Releases both sessions. */
  dispose(): Promise<void>;
}

function output(result: ort.InferenceSession.ReturnType): Float32Array {
  const y = result.Y;
  if (!y || !(y.data instanceof Float32Array)) throw new Error('linalg-onnx: graph returned no float32 Y');
  return y.data;
}

/** Creates both sessions (a few milliseconds: the graphs are 4-7 nodes). */
export async function createOnnxLinalg(options: OnnxLinalgOptions = {}): Promise<OnnxLinalg> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: options.executionProviders ?? ['cpu'],
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const [cosine, cross] = await Promise.all([
    ort.InferenceSession.create(cosineModel(), sessionOptions),
    ort.InferenceSession.create(cosineCrossModel(), sessionOptions),
  ]);
  const check = (a: Float32Array, rows: number, d: number, name: string) => {
    if (a.length !== rows * d) throw new Error(`linalg-onnx: ${name} has length ${a.length}, expected ${rows}*${d}`);
  };
  return {
    name: `onnx(${(sessionOptions.executionProviders ?? []).map((p) => (typeof p === 'string' ? p : p.name)).join(',')})`,
    async cosine(a, n, d) {
      check(a, n, d, 'a');
      return output(await cosine.run({ X: new ort.Tensor('float32', a, [n, d]) }));
    },
    async cosineCross(a, na, b, nb, d) {
      check(a, na, d, 'a');
      check(b, nb, d, 'b');
      return output(await cross.run({ A: new ort.Tensor('float32', a, [na, d]), B: new ort.Tensor('float32', b, [nb, d]) }));
    },
    async dispose() {
      await Promise.all([cosine.release(), cross.release()]);
    },
  };
}
