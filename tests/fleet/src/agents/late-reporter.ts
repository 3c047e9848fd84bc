/**
 * A worker that goes quiet mid-shard and reports late, run inside its own network namespace by the partition case.
 * It leases one shard, reports the first half, then stops heartbeating (the harness pulls its cable meanwhile) and
 * waits for `<go-file>` to appear; then it reports the second half, which another worker has stored by then, and
 * prints each acknowledgement as one JSON line, so the harness can count what the coordinator did with late results.
 */
import { existsSync } from 'node:fs';
import { ProbeWorker, probeResult } from '../harness/probe-worker.ts';
import { sleep } from '../harness/processes.ts';

async function main(): Promise<void> {
  const [address, workerId, goFile] = process.argv.slice(2);
  if (!address || !workerId || !goFile) throw new Error('usage: late-reporter.ts <coordinator> <worker-id> <go-file>');
  const probe = new ProbeWorker(address);
  await probe.register(workerId);
  let lease;
  for (let tries = 0; !lease && tries < 200; tries++) {
    lease = await probe.lease();
    if (!lease) await sleep(100);
  }
  if (!lease) throw new Error('no shard to lease');
  const middle = lease.sampleStart + Math.floor((lease.sampleEnd - lease.sampleStart) / 2);
  const indices = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
  const first = await probe.report(lease.shardId, indices(lease.sampleStart, middle).map((i) => probeResult(lease, i)));
  process.stdout.write(`${JSON.stringify({ event: 'leased', shardId: lease.shardId, start: lease.sampleStart, end: lease.sampleEnd, firstHalf: first })}\n`);
  while (!existsSync(goFile)) await sleep(100);
  // Like the real worker's result channel: a connection that died during the partition is replaced, the batch re-sent.
  let late;
  for (let attempt = 1; !late; attempt++) {
    try {
      late = await probe.report(lease.shardId, indices(middle, lease.sampleEnd).map((i) => probeResult(lease, i)), 60_000);
    } catch (error) {
      if (attempt >= 10) throw error;
      process.stderr.write(`late-reporter: ${(error as Error).message}; re-sending\n`);
      await sleep(500);
    }
  }
  const heartbeat = await probe.heartbeat(lease.shardId);
  const complete = await probe.complete(lease.shardId);
  process.stdout.write(`${JSON.stringify({ event: 'late', late, leaseLost: heartbeat.leaseLost, complete })}\n`);
  probe.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`late-reporter: ${(error as Error).message}\n`);
  process.exit(1);
});
