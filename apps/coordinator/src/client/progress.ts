import { Metadata } from '@grpc/grpc-js';
import type { CoordinatorClient, SweepStatus } from '@prunebench/proto';
import cliProgress from 'cli-progress';

export function jobLabel(job: SweepStatus['jobs'][number]): string {
  return `${job.model}/${job.benchmark} ${job.method} keep=${job.keep === 0 ? 'all' : job.keep}${job.policy === 'default' ? '' : ` ${job.policy}`}`;
}

/**
 * Follows a sweep through WatchProgress until it finishes, calling `onStatus` with each snapshot. Resolves with the
 * final status; rejects when the stream fails.
 */
export function followSweep(client: CoordinatorClient, sweepId: number, onStatus: (status: SweepStatus) => void): Promise<SweepStatus> {
  return new Promise((resolve, reject) => {
    let last: SweepStatus | undefined;
    const stream = client.watchProgress({ sweepId }, new Metadata());
    stream.on('data', (message: { status?: SweepStatus }) => {
      if (!message.status) return;
      last = message.status;
      onStatus(last);
    });
    stream.on('error', reject);
    stream.on('end', () => (last ? resolve(last) : reject(new Error(`no progress received for sweep ${sweepId}`))));
  });
}

/** A live progress bar per job plus a total, on a TTY; a line per change otherwise. */
export function progressRenderer(stream: NodeJS.WriteStream = process.stderr): { update(status: SweepStatus): void; stop(): void } {
  if (!stream.isTTY) {
    let lastLine = '';
    return {
      update(status) {
        const line = `sweep ${status.sweepId} ${status.state}: ${status.samplesDone}/${status.samples} samples`;
        if (line !== lastLine) stream.write(`${line}\n`);
        lastLine = line;
      },
      stop() {},
    };
  }
  const multi = new cliProgress.MultiBar(
    { stream, format: ' {label} |{bar}| {value}/{total} {state}', hideCursor: true, clearOnComplete: false, autopadding: true, barsize: 24 },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<number, cliProgress.SingleBar>();
  let total: cliProgress.SingleBar | undefined;
  const width = { label: 0 };
  return {
    update(status) {
      if (!total) {
        width.label = Math.max(12, ...status.jobs.map((j) => jobLabel(j).length));
        total = multi.create(Number(status.samples), 0, { label: 'TOTAL'.padEnd(width.label), state: status.state });
        for (const job of status.jobs) bars.set(job.jobId, multi.create(job.samples, 0, { label: jobLabel(job).padEnd(width.label), state: job.state }));
      }
      total.update(Number(status.samplesDone), { state: status.state });
      for (const job of status.jobs) bars.get(job.jobId)?.update(job.samplesDone, { state: job.shardsFailed ? `${job.state} (${job.shardsFailed} failed shards)` : job.state });
    },
    stop() {
      multi.stop();
    },
  };
}
