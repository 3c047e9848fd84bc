// The only file of the worker that imports onnxruntime: everything else sees host tensors (typed arrays + dims).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphRunError, ProviderUnavailableError, WorkerInputError } from '../errors.ts';
import { float16ToFloat32, float32ToFloat16 } from './float16.ts';

export type Provider = 'cpu' | 'cuda';

export interface SessionOptions {
  provider?: Provider;
  /** Intra-op threads; onnxruntime's default (all cores) when absent. */
  threads?: number;
  /** CUDA device id. */
  deviceId?: number;
  /** How idle intra-op threads wait for work (see `Spinning`); default 'run'. */
  spinning?: Spinning;
}

/**
 * How a session's idle intra-op threads wait for work.
 * - 'run' (default): while the session runs a graph, a thread that runs out of work spins up to 50 us for the next
 *   parallel node before it sleeps, and all spinning stops when the run returns (onnxruntime's
 *   `session.force_spinning_stop`). A decoder graph has about 150 nodes, many split over the pool, with short serial
 *   nodes between them; waking a sleeping thread through the kernel for each one cost about 0.4 ms of a 2 ms decoder
 *   run at 84 prompt tokens on 2 cores, so short (pruned) prompts lost the most. Between runs nothing spins, so the
 *   model's other sessions (six, plus the similarity kernels) get the cores. The 50 us bound: where the worker gets
 *   fewer cores than its threads (2 threads, a job of another session on the other core), unbounded spinning took
 *   the core from the thread doing the work and made the prefill 1.6-2.6x slower than sleeping; with the bound,
 *   1.1-1.5x, and no loss where the cores are free.
 * - 'always': they spin between runs too (onnxruntime's own default). Only for one session on a machine of its own:
 *   with a model's several sessions, the idle pools' spinning took the cores from whichever session ran next (the
 *   prefill at 64 kept tokens took 10-24 ms instead of under 3 on 2 cores).
 * - 'never': they always sleep. For a worker given more threads than the cores it really gets (a machine shared
 *   with other jobs), where any spinning takes the core from the thread doing the work.
 */
export const SPINNING_MODES = ['run', 'always', 'never'] as const;
export type Spinning = (typeof SPINNING_MODES)[number];

export const DEFAULT_SPINNING: Spinning = 'run';

/** How long (microseconds) an idle thread spins for the next parallel node under 'run' before it sleeps. */
const RUN_SPIN_US = '50';

export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

export interface IntTensor {
  data: BigInt64Array;
  dims: number[];
}

export type HostTensor = FloatTensor | IntTensor;

/** What a graph declares about one tensor input/output: element type and shape (numbers static, strings symbolic). */
export interface TensorInfo {
  readonly type: string;
  /** Empty when the graph declares no shape. */
  readonly shape: readonly (number | string)[];
}

export interface GraphSession {
  /** Path (or label) of the graph, for error messages. */
  readonly file: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared type and shape of each tensor input / output, for checking the graph against model.json at open. */
  readonly inputInfo: ReadonlyMap<string, TensorInfo>;
  readonly outputInfo: ReadonlyMap<string, TensorInfo>;
  /** Runs the graph; float outputs come back as float32 whatever the graph's dtype. */
  run(feeds: Record<string, HostTensor>, fetch?: readonly string[]): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
}

/** `onnxruntime-node <version>`: recorded with every result. */
export function runtimeVersion(): string {
  return `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}`;
}

/** Folder of onnxruntime-node's native binding, where its install script puts the CUDA provider libraries. */
function bindingDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Whether this onnxruntime-node install can run the provider. The binding lists CUDA as supported even when the
 * provider libraries were never downloaded (installs with the skip), so look for them too.
 */
export function providerInstalled(provider: Provider): boolean {
  if (provider === 'cpu') return true;
  const listed = ort.listSupportedBackends().some((backend) => backend.name === provider);
  return listed && existsSync(join(bindingDir(), 'libonnxruntime_providers_cuda.so'));
}

function sessionOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  const provider = opts.provider ?? 'cpu';
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] =
    provider === 'cuda' ? [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }] : ['cpu'];
  const spinning = opts.spinning ?? DEFAULT_SPINNING;
  const spin = spinning === 'never' ? '0' : '1';
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders,
    graphOptimizationLevel: 'all',
    // One graph node at a time (the graphs are chains); the inter-op pool would only add idle threads.
    executionMode: 'sequential',
    interOpNumThreads: 1,
    extra: {
      session: {
        intra_op: { allow_spinning: spin, ...(spinning === 'run' ? { spin_duration_us: RUN_SPIN_US } : {}) },
        inter_op: { allow_spinning: spin },
        // Ends the spinning when a run returns; the next run starts it again.
        force_spinning_stop: spinning === 'run' ? '1' : '0',
      },
    },
  };
  if (opts.threads !== undefined) options.intraOpNumThreads = opts.threads;
  return options;
}

function tensorInfo(metadata: readonly ort.InferenceSession.ValueMetadata[]): Map<string, TensorInfo> {
  const info = new Map<string, TensorInfo>();
  for (const meta of metadata) if (meta.isTensor) info.set(meta.name, { type: meta.type, shape: [...meta.shape] });
  return info;
}

function toOrt(name: string, tensor: HostTensor, wanted: string | undefined): ort.Tensor {
  if (tensor.data instanceof BigInt64Array) return new ort.Tensor('int64', tensor.data, tensor.dims);
  if (wanted === 'float16') return new ort.Tensor('float16', float32ToFloat16(tensor.data), tensor.dims);
  if (wanted !== undefined && wanted !== 'float32') {
    throw new WorkerInputError(name, `graph input has type ${wanted}, the layout expects float32 or float16`);
  }
  return new ort.Tensor('float32', tensor.data, tensor.dims);
}

function fromOrt(name: string, file: string, tensor: ort.Tensor): FloatTensor {
  const dims = [...tensor.dims];
  if (tensor.type === 'float32') return { data: tensor.data as Float32Array, dims };
  if (tensor.type === 'float16') return { data: float16ToFloat32(tensor.data as Uint16Array), dims };
  throw new WorkerInputError(`${file} output ${name}`, `has type ${tensor.type}, expected float32 or float16`);
}

/**
 * onnxruntime's own run errors ("Got invalid dimensions for input: ...") name neither the graph nor the model, and
 * a worker runs six graphs per sample: prefix the file so the message says which one to look at.
 */
async function runNamed(session: ort.InferenceSession, file: string, feeds: Record<string, ort.Tensor>, fetch?: readonly string[]): Promise<ort.InferenceSession.ReturnType> {
  try {
    return fetch ? await session.run(feeds, [...fetch]) : await session.run(feeds);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    const shapes = Object.entries(feeds).map(([name, t]) => `${name} [${t.dims.join(',')}]`).slice(0, 4).join(', ');
    throw new GraphRunError(file, `onnxruntime failed running the graph (fed ${shapes}): ${message}`, { cause: error });
  }
}

function wrap(session: ort.InferenceSession, file: string): GraphSession {
  const inputInfo = tensorInfo(session.inputMetadata);
  return {
    file,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputInfo,
    outputInfo: tensorInfo(session.outputMetadata),
    async run(feeds, fetch) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrt(`${file} input ${name}`, tensor, inputInfo.get(name)?.type);
      const outputs = await runNamed(session, file, ortFeeds, fetch);
      const result: Record<string, FloatTensor> = {};
      for (const [name, tensor] of Object.entries(outputs)) result[name] = fromOrt(name, file, tensor);
      return result;
    },
    release: () => session.release(),
  };
}

async function create(source: string | Uint8Array, label: string, opts: SessionOptions): Promise<GraphSession> {
  const provider = opts.provider ?? 'cpu';
  if (!providerInstalled(provider)) {
    throw new ProviderUnavailableError(
      provider,
      `execution provider '${provider}' is not installed in this onnxruntime-node (no libonnxruntime_providers_cuda.so ` +
        `in ${bindingDir()}); on a machine with CUDA 12 and cuDNN 9 run ` +
        '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (see apps/worker/README.md)',
    );
  }
  try {
    const session =
      typeof source === 'string'
        ? await ort.InferenceSession.create(source, sessionOptions(opts))
        : await ort.InferenceSession.create(source, sessionOptions(opts));
    return wrap(session, label);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    if (provider !== 'cpu' && /cuda|provider|libcu|cudnn/i.test(message)) {
      throw new ProviderUnavailableError(provider, `${label}: cannot start the ${provider} execution provider: ${message}`);
    }
    throw new WorkerInputError(label, `onnxruntime cannot load the graph: ${message}`);
  }
}

/** Opens one ONNX graph file. */
export function openGraph(file: string, opts: SessionOptions = {}): Promise<GraphSession> {
  return create(file, file, opts);
}

/** Opens a graph built in memory (e.g. the similarity kernels of the linear-algebra backend). */
export function openGraphBytes(bytes: Uint8Array, label: string, opts: SessionOptions = {}): Promise<GraphSession> {
  return create(bytes, label, opts);
}
