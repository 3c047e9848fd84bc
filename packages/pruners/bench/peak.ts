/**
 * Peak memory of one method at one size, in a fresh process: max RSS after loading the input (the tokens and the
 * signals the method needs), then after one run. Usage: tsx bench/peak.ts <input dir> <method> <keep>; prints JSON.
 */
import { readFileSync } from 'node:fs';
import { createOnnxLinalg } from '@prunebench/linalg-onnx';
import { pruneAsync, requiredSignals } from '../src/index.ts';
import { readInput } from './data.ts';

const [dir, method, keep] = process.argv.slice(2);
if (!dir || !method || !keep) throw new Error('usage: peak.ts <input dir> <method> <keep>');
const input = readInput(dir, requiredSignals(method));
const backend = await createOnnxLinalg({ intraOpNumThreads: 2 });
/**
 * This process's own peak RSS in KB. Not getrusage's maxRSS: on Linux that also keeps the high-water mark of the
 * address space the process was forked with, so a child of the (large) bench process reported the parent's RSS
 * (random's "peak" went 175 -> 212 -> 269 MB as the parent grew). VmHWM belongs to the exec'd image alone.
 */
function peakRssKb(): number {
  try {
    const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line) return Number(line[1]);
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS;
}

const baselineKb = peakRssKb();
await pruneAsync(method, input, { keep: Number(keep) }, backend);
const peakKb = peakRssKb();
process.stdout.write(`${JSON.stringify({ baselineMb: baselineKb / 1024, peakMb: peakKb / 1024, methodMb: (peakKb - baselineKb) / 1024 })}\n`);
await backend.dispose();
