import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { CoordinatorClient, ReportResultsRequest, ReportResultsResponse, SampleResult } from '@prunebench/proto';
import type { Logger } from 'pino';

interface Pending {
  batch: ReportResultsRequest;
  resolve: (ack: ReportResultsResponse) => void;
  reject: (error: Error) => void;
}

/**
 * The worker's side of ReportResults: batches go out on one bidi stream and settle when their ack arrives. When
 * the stream breaks (coordinator restart, network), it reconnects with backoff and re-sends every unacknowledged
 * batch in order; the coordinator's unique key turns any batch it had already stored into duplicates.
 */
export class ResultChannel {
  private stream: ClientDuplexStream<ReportResultsRequest, ReportResultsResponse> | undefined;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private reconnectDelayMs = 100;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: CoordinatorClient,
    private readonly log: Logger,
  ) {}

  send(workerId: string, shardId: number, results: SampleResult[]): Promise<ReportResultsResponse> {
    const batch: ReportResultsRequest = { workerId, shardId, batchSeq: ++this.seq, results };
    return new Promise((resolve, reject) => {
      this.pending.set(batch.batchSeq, { batch, resolve, reject });
      if (this.stream) this.stream.write(batch);
      else if (!this.reconnectTimer) this.open();
    });
  }

  get unacknowledged(): number {
    return this.pending.size;
  }

  private open(): void {
    if (this.closed) return;
    const stream = this.client.reportResults();
    this.stream = stream;
    stream.on('data', (ack: ReportResultsResponse) => {
      this.reconnectDelayMs = 100;
      const waiting = this.pending.get(ack.batchSeq);
      if (!waiting) return;
      this.pending.delete(ack.batchSeq);
      if (ack.error) waiting.reject(new Error(`coordinator rejected result batch: ${ack.error}`));
      else waiting.resolve(ack);
    });
    const broken = (error?: Error): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.closed || this.pending.size === 0) return;
      this.log.warn({ err: error?.message, unacknowledged: this.pending.size }, 'result stream broke; re-sending unacknowledged batches');
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.open();
      }, this.reconnectDelayMs);
      this.reconnectDelayMs = Math.min(5_000, this.reconnectDelayMs * 2);
    };
    stream.on('error', broken);
    stream.on('end', () => broken());
    for (const { batch } of this.pending.values()) stream.write(batch);
  }

  /** Ends the stream; batches still unacknowledged are rejected. */
  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.end();
    this.stream = undefined;
    for (const waiting of this.pending.values()) waiting.reject(new Error('result channel closed'));
    this.pending.clear();
  }
}
