/**
 * Peak memory of one method at one size, in a fresh process: max RSS after loading the input (the tokens and the
 * signals the method needs), then after one run. Usage: tsx bench/peak.ts <input dir> <method> <keep>; prints JSON.
 */
import { createOnnxLinalg } from '@prunebench/linalg-onnx';
import { pruneAsync, requiredSignals } from '../src/index.ts';
import { readInput } from './data.ts';

const [dir, method, keep] = process.argv.slice(2);
if (!dir || !method || !keep) throw new Error('usage: peak.ts <input dir> <method> <keep>');
const input = readInput(dir, requiredSignals(method));
const backend = await createOnnxLinalg({ intraOpNumThreads: 2 });
const baselineKb = process.resourceUsage().maxRSS;
await pruneAsync(method, input, { keep: Number(keep) }, backend);
const peakKb = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify({ baselineMb: baselineKb / 1024, peakMb: peakKb / 1024, methodMb: (peakKb - baselineKb) / 1024 })}\n`);
await backend.dispose();
