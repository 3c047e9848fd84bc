import { createOnnxLinalg, type OnnxLinalg } from '@prunebench/linalg-onnx';
import type { SessionOptions } from './session.ts';

/**
 * The pruners' similarity products on onnxruntime, on the same execution provider as the model (so a GPU worker
 * computes G-Prune's / DivPrune's n x n cosine matrices on the GPU), and with the model sessions' thread settings:
 * a worker told to spin always spins in the similarity sessions too. Otherwise their threads sleep: the package
 * offers no spinning limited to a run (the model sessions' default 'run'), and spinning between runs would take the
 * cores from the model session that runs next.
 */
export function createModelLinalg(opts: SessionOptions = {}): Promise<OnnxLinalg> {
  const provider = opts.provider ?? 'cpu';
  return createOnnxLinalg({
    executionProviders: provider === 'cuda' ? [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }] : ['cpu'],
    ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads } : {}),
    spinning: opts.spinning === 'always',
  });
}

export type { OnnxLinalg };
