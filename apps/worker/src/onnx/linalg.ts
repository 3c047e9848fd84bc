import { createOnnxLinalg, type OnnxLinalg } from '@prunebench/linalg-onnx';
import type { SessionOptions } from './session.ts';

/**
 * The pruners' similarity products on onnxruntime, on the same execution provider as the model (so a GPU worker
 * computes G-Prune's / DivPrune's n x n cosine matrices on the GPU), and with the model sessions' thread settings:
 * a worker told to spin spins in the similarity sessions too, and by default their idle threads sleep like the
 * model's (their spinning pools would take the cores from the model session that runs next).
 */
export function createModelLinalg(opts: SessionOptions = {}): Promise<OnnxLinalg> {
  const provider = opts.provider ?? 'cpu';
  return createOnnxLinalg({
    executionProviders: provider === 'cuda' ? [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }] : ['cpu'],
    ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads } : {}),
    spinning: opts.spinning ?? false,
  });
}

export type { OnnxLinalg };
