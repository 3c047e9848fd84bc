import fc from 'fast-check';
import { stringify } from 'yaml';
import { ReportResultsRequest, LeaseRequest, HeartbeatRequest, RegisterRequest, SubmitSweepRequest, GetStatusRequest } from '@prunebench/proto';
import { UNARY_METHODS, wire } from '../harness/raw-client.ts';

/**
 * Seeded generators of hostile input for the coordinator: sweep YAML, raw gRPC request bytes, bearer tokens. Kept
 * apart from the scenario so the cases can be read (and extended) on their own.
 */

const BASE_SPEC: Record<string, unknown> = {
  name: 'fuzz',
  models: ['sim-model'],
  benchmarks: ['sim-bench'],
  methods: ['random'],
  keep: [8],
  samples: 20,
  shardSize: 10,
  simulate: true,
};
const SPEC_KEYS = [...Object.keys(BASE_SPEC), 'policies', 'priority', 'maxAttempts', 'seed', 'requirements', 'fullReference', 'notAField'];

const hostileValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.constantFrom(-1, 0, 1.5, -0, Number.MAX_SAFE_INTEGER, 1e308, -1e308, null, true, '', ' ', '0', [], {}, [[]], ['random', 'random']),
  fc.string({ maxLength: 40 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), { maxLength: 6 }),
);

/** Sizes that would expand into millions of shards are the expansion case's business, not this random walk's. */
function boundSizes(spec: Record<string, unknown>): Record<string, unknown> {
  const out = { ...spec };
  if (typeof out.samples === 'number' && out.samples > 5_000) out.samples = 5_000;
  if (typeof out.shardSize === 'number' && out.shardSize < 5) out.shardSize = 5;
  return out;
}

const mutatedSpec = fc
  .array(fc.record({ key: fc.constantFrom(...SPEC_KEYS), value: hostileValue, drop: fc.boolean() }), { minLength: 1, maxLength: 4 })
  .map((mutations) => {
    const spec: Record<string, unknown> = { ...BASE_SPEC };
    for (const m of mutations) {
      if (m.drop) delete spec[m.key];
      else spec[m.key] = m.value;
    }
    return stringify(boundSizes(spec));
  });

const YAML_TOKENS = ['name: x', 'models:', 'methods: [random]', '- ', '[', ']', '{', '}', '&a ', '*a', '<<: *a', '!!binary ', '!!js/function ', '\t', '\n', ': ', '"', "'", '|', '>', '#', '%YAML 1.2\n', '---\n', '...\n', 'samples: 99999999999999999999999', 'keep: [-5]', '? ', '\u0000', '\uFEFF', 'simulate: yes'];
const tokenSoup = fc.array(fc.constantFrom(...YAML_TOKENS), { minLength: 1, maxLength: 30 }).map((t) => t.join(''));

/** Fixed nasties: alias bombs, deep nesting, huge scalars, duplicate keys, wrong document kinds. */
const HOSTILE_YAML: string[] = [
  '',
  '~',
  '[]',
  '- a\n- b\n',
  'just a string',
  `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join('\n')}\n`,
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  `name: ${'x'.repeat(2_000_000)}\n`,
  'name: a\nname: b\nmodels: [m]\n',
  'name: fuzz\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [random]\nkeep: [8]\nsamples: 20\nsimulate: true\n__proto__: {polluted: true}\n',
  'name: fuzz\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [{pruner: random, params: {constructor: {prototype: {x: 1}}}}]\nkeep: [8]\nsamples: 20\nsimulate: true\n',
  'name: fuzz\nmodels: [no-such-model]\nbenchmarks: [no-such-bench]\nmethods: [random]\nkeep: [8]\n',
  'name: fuzz\nmodels: [../../etc]\nbenchmarks: [../../../tmp]\nmethods: [random]\nkeep: [8]\n',
  'name: fuzz\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [not-a-pruner]\nkeep: [8]\n',
  'name: fuzz\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [random]\nkeep: [8]\nsamples: 20\nsimulate: true\nshardSize: 0\n',
  'name: fuzz\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [random]\nkeep: [-8]\nsamples: -20\nsimulate: true\n',
  '\u0000\u0001\u0002binary',
];

export function yamlCases(seed: number, n: number): string[] {
  const random = fc.sample(fc.oneof({ weight: 3, arbitrary: mutatedSpec }, { weight: 1, arbitrary: tokenSoup }, { weight: 1, arbitrary: fc.string({ maxLength: 200 }) }), { seed, numRuns: Math.max(0, n - HOSTILE_YAML.length) });
  return [...HOSTILE_YAML, ...random].slice(0, Math.max(n, HOSTILE_YAML.length));
}

export interface RawCase {
  kind: string;
  method: string;
  payloads: Buffer[];
}

const u32 = fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff), fc.nat());
const i64 = fc.oneof(fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER), fc.integer());
const hostileResult = fc.record({
  sampleId: fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }), fc.constant('x'.repeat(100_000))),
  sampleIndex: u32,
  prediction: fc.oneof(fc.string({ maxLength: 50 }), fc.constant('p'.repeat(1_000_000))),
  score: fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 2)),
  metric: fc.string({ maxLength: 10 }),
  parsedJson: fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }), fc.constant('{"a":1}')),
  tokensBefore: u32,
  keptCount: u32,
  keptIndices: fc.oneof(fc.array(u32, { maxLength: 20 }), fc.constant(Array.from({ length: 200_000 }, (_, i) => i))),
  prefillMs: fc.double(),
  totalMs: fc.double(),
  flops: fc.double(),
  variantJson: fc.oneof(fc.constant('{}'), fc.string({ maxLength: 20 }), fc.constant('[1,2]'), fc.constant('null')),
});

/** Raw request bytes: random garbage, hand-made wire that lies about lengths and types, and well-typed hostile values. */
export function rawCases(seed: number, n: number, shardIds: readonly number[], workerId: string): RawCase[] {
  const method = fc.constantFrom(...UNARY_METHODS);
  const garbage = fc.record({ method, bytes: fc.uint8Array({ maxLength: 512 }) }).map(({ method: m, bytes }) => ({ kind: 'random bytes', method: m, payloads: [Buffer.from(bytes)] }));
  const lyingWire = fc
    .record({ method, field: fc.integer({ min: 1, max: 20 }), wireType: fc.integer({ min: 0, max: 7 }), declared: fc.oneof(fc.constantFrom(2 ** 31 - 1, 2 ** 32, 2 ** 53, -1), fc.nat(1_000_000)), body: fc.uint8Array({ maxLength: 64 }) })
    .map(({ method: m, field, wireType, declared, body }) => ({
      kind: 'lying wire (length/type)',
      method: m,
      payloads: [
        wireType === 2
          ? Buffer.concat([wire.key(field, 2), wire.varint(BigInt(declared)), Buffer.from(body)])
          : Buffer.concat([wire.key(field, wireType), Buffer.from(body)]),
      ],
    }));
  const wrongTypes = fc.record({ method, n: fc.integer({ min: 1, max: 5 }) }).map(({ method: m, n: fields }) => ({
    kind: 'wrong types (varint where a string is due, and back)',
    method: m,
    // Field 1 is a string in every request that has one; send it as a negative varint, then a string where numbers go.
    payloads: [Buffer.concat([wire.int(1, -1n), ...Array.from({ length: fields }, (_, i) => wire.bytes(i + 2, Buffer.from('not a number')))])],
  }));
  const typedHostile = fc
    .record({
      shardId: fc.oneof(fc.constantFrom(...(shardIds.length ? shardIds : [1])), i64),
      batchSeq: fc.nat(),
      results: fc.array(hostileResult, { maxLength: 3 }),
    })
    .map((r) => ({ kind: 'ReportResults with hostile values', method: 'ReportResults', payloads: [Buffer.from(ReportResultsRequest.encode({ workerId, ...r }).finish())] }));
  const typedUnary = fc.oneof(
    fc.record({ workerId: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(workerId), fc.constant('w'.repeat(100_000))) }).map((r) => ({ kind: 'Lease with hostile worker id', method: 'Lease', payloads: [Buffer.from(LeaseRequest.encode(r).finish())] })),
    fc.record({ workerId: fc.constant(workerId), shardId: i64, samplesDone: u32 }).map((r) => ({ kind: 'Heartbeat with hostile shard id', method: 'Heartbeat', payloads: [Buffer.from(HeartbeatRequest.encode(r).finish())] })),
    fc.record({ sweepId: i64 }).map((r) => ({ kind: 'GetStatus with hostile sweep id', method: 'GetStatus', payloads: [Buffer.from(GetStatusRequest.encode(r).finish())] })),
    fc.record({ specYaml: fc.string({ maxLength: 100 }), sourceName: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('../../etc/passwd'), fc.constant('n'.repeat(10_000))) }).map((r) => ({ kind: 'SubmitSweep with hostile source name', method: 'SubmitSweep', payloads: [Buffer.from(SubmitSweepRequest.encode(r).finish())] })),
    fc.record({ workerId: fc.string({ maxLength: 30 }), host: fc.string({ maxLength: 30 }), models: fc.nat(2_000) }).map((r) => ({
      kind: 'Register with a huge capability list',
      method: 'Register',
      payloads: [Buffer.from(RegisterRequest.encode({ workerId: r.workerId, host: r.host, capabilities: { models: Array.from({ length: r.models }, (_, i) => ({ name: `m${i}`, contentHash: 'h' })), benchmarks: [], provider: 'cpu', memoryBytes: Number.MAX_SAFE_INTEGER, threads: 0, simulated: true, version: '' } }).finish())],
    })),
  );
  const hugeMessage = fc.constantFrom(8, 40).map((mb) => ({ kind: `${mb} MiB message`, method: 'SubmitSweep', payloads: [wire.bytes(1, Buffer.alloc(mb * 1024 * 1024, 0x61))] }));
  const cases = fc.sample(
    fc.oneof({ weight: 3, arbitrary: garbage }, { weight: 3, arbitrary: lyingWire }, { weight: 1, arbitrary: wrongTypes }, { weight: 3, arbitrary: typedHostile }, { weight: 2, arbitrary: typedUnary }, { weight: 1, arbitrary: hugeMessage }),
    { seed, numRuns: n },
  );
  return cases;
}

/** Tokens that are not the right one: empty, near misses, wrong schemes, long and odd ones. */
export function authCases(seed: number, n: number, token: string): Array<string | null> {
  const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))), maxLength: 64 });
  const fixed: Array<string | null> = [null, '', 'Bearer', 'Bearer ', `bearer ${token}`, `Bearer  ${token}`, `Bearer ${token} `, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token, `Bearer ${'a'.repeat(7_000)}`];
  const random = fc.sample(fc.oneof(printable, printable.map((s) => `Bearer ${s}`)), { seed, numRuns: Math.max(0, n - fixed.length) }).filter((t) => t !== `Bearer ${token}`);
  return [...fixed, ...random].slice(0, Math.max(n, fixed.length));
}

