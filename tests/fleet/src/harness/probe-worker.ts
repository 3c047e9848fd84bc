import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  connectCoordinator,
  unary,
  type CoordinatorClient,
  type ReportResultsRequest,
  type ReportResultsResponse,
  type SampleResult,
  type ShardLease,
} from '@prunebench/proto';
import { TOKEN } from './fleet.ts';

/** The details of a gRPC error, or the message of any other error. */
export function errorDetails(error: unknown): { code: number | undefined; details: string } {
  const e = error as Partial<ServiceError>;
  return { code: e.code, details: e.details ?? (error as Error).message ?? String(error) };
}

/**
 * The harness acting as a worker over the real protocol, so that it knows exactly which batches the coordinator
 * acknowledged (the disk-full and late-result cases need that ledger). Its results are labelled as probe output.
 */
export class ProbeWorker {
  readonly client: CoordinatorClient;
  private stream: ClientDuplexStream<ReportResultsRequest, ReportResultsResponse> | undefined;
  private readonly waiting = new Map<number, { resolve: (ack: ReportResultsResponse) => void; reject: (error: Error) => void }>();
  private seq = 0;
  workerId = '';

  constructor(address: string, token = TOKEN) {
    this.client = connectCoordinator(address, { token, channel: { 'grpc.use_local_subchannel_pool': 1 } });
  }

  async register(id: string, simulated = true): Promise<void> {
    const response = await unary(this.client.register.bind(this.client), {
      workerId: id,
      host: 'fleet-suite-probe',
      capabilities: { models: [], benchmarks: [], provider: 'probe', memoryBytes: 1e9, threads: 1, simulated, version: 'probe' },
    }, new Metadata(), { deadline: Date.now() + 10_000 });
    this.workerId = response.workerId;
  }

  async lease(): Promise<ShardLease | undefined> {
    const response = await unary(this.client.lease.bind(this.client), { workerId: this.workerId }, new Metadata(), { deadline: Date.now() + 10_000 });
    return response.shard;
  }

  async heartbeat(shardId: number) {
    return unary(this.client.heartbeat.bind(this.client), { workerId: this.workerId, shardId, samplesDone: 0 }, new Metadata(), { deadline: Date.now() + 10_000 });
  }

  async complete(shardId: number) {
    return unary(this.client.completeShard.bind(this.client), { workerId: this.workerId, shardId }, new Metadata(), { deadline: Date.now() + 10_000 });
  }

  private open(): ClientDuplexStream<ReportResultsRequest, ReportResultsResponse> {
    if (this.stream) return this.stream;
    const stream = this.client.reportResults();
    stream.on('data', (ack: ReportResultsResponse) => {
      const waiter = this.waiting.get(ack.batchSeq);
      this.waiting.delete(ack.batchSeq);
      waiter?.resolve(ack);
    });
    const fail = (error: Error): void => {
      if (this.stream === stream) this.stream = undefined;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('result stream ended')));
    this.stream = stream;
    return stream;
  }

  /** Sends one batch and waits for its acknowledgement (or the stream's failure). */
  report(shardId: number, results: SampleResult[], timeoutMs = 15_000): Promise<ReportResultsResponse> {
    const stream = this.open();
    const batchSeq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(batchSeq);
        reject(new Error(`no ack for batch ${batchSeq} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(batchSeq, {
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      stream.write({ workerId: this.workerId, shardId, batchSeq, results });
    });
  }

  close(): void {
    this.stream?.end();
    this.stream = undefined;
    this.client.close();
  }
}

/** A labelled probe result for one sample of a leased shard (`padding` bytes of answer text fill disks quickly). */
export function probeResult(lease: ShardLease, sampleIndex: number, padding = 0): SampleResult {
  const keep = lease.keep === 0 ? 64 : Math.min(lease.keep, 64);
  return {
    sampleId: `${lease.benchmark}-${sampleIndex}`,
    sampleIndex,
    prediction: `probe${'.'.repeat(padding)}`,
    score: sampleIndex % 2,
    metric: 'exact-match',
    parsedJson: '',
    tokensBefore: 576,
    keptCount: keep,
    keptIndices: lease.keep === 0 ? [] : Array.from({ length: keep }, (_, i) => i * 9),
    prefillMs: 1,
    totalMs: 2,
    flops: keep * 1e6,
    variantJson: '{"probe":true}',
  };
}
