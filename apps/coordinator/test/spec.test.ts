import { describe, expect, it } from 'vitest';
import { expandSweep } from '../src/sweep/expand.ts';
import { parseSweepSpec, SweepSpecError } from '../src/sweep/spec.ts';

const valid = `name: demo
models: [tiny-synth]
benchmarks: [synth-shapes]
methods:
  - gridprune
  - name: gridprune-z4
    pruner: gridprune
    params: { zoneSize: 4 }
keep: [192, 64]
samples: 10
shardSize: 4
`;

describe('parseSweepSpec', () => {
  it('fills defaults', () => {
    const spec = parseSweepSpec(valid);
    expect(spec.policies).toEqual(['default']);
    expect(spec.fullReference).toBe(true);
    expect(spec.maxAttempts).toBe(3);
  });

  it('names the file, line and field of a wrong value', () => {
    const text = valid.replace('keep: [192, 64]', 'keep: [192, -1]');
    expect(() => parseSweepSpec(text, 'my.yaml')).toThrow(/^my\.yaml:9:\d+ keep\[1\]: .*/);
  });

  it('points at the parent when a field is missing, and rejects unknown fields', () => {
    const text = valid.replace('models: [tiny-synth]\n', '').replace('shardSize: 4', 'shardsize: 4');
    let message = '';
    try {
      parseSweepSpec(text, 's.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(SweepSpecError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/s\.yaml:1:1 models: /);
    expect(message).toMatch(/shardsize/);
  });

  it('rejects duplicate method labels at their line', () => {
    const text = valid.replace('  - name: gridprune-z4\n', '  - name: gridprune\n');
    expect(() => parseSweepSpec(text)).toThrow(/sweep\.yaml:6:\d+ methods\[1\]: duplicate method label "gridprune"/);
  });

  it('refuses sweeps too large to expand', () => {
    expect(() => parseSweepSpec(valid.replace('samples: 10', 'samples: 100000000'))).toThrow(/samples: at most/);
    const tiny = parseSweepSpec(valid.replace('samples: 10', 'samples: 9000000').replace('shardSize: 4', 'shardSize: 1'));
    expect(() => expandSweep(tiny, new Map([['synth-shapes', 9_000_000]]))).toThrow(/shards \(at most/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(() => parseSweepSpec('name: [unclosed\n', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+ invalid YAML/);
  });
});

describe('expandSweep', () => {
  it('makes one job per setting plus the full reference, shards interleaved across jobs', () => {
    const plan = expandSweep(parseSweepSpec(valid), new Map([['synth-shapes', 1000]]));
    // full + 2 methods x 2 keeps
    expect(plan.jobs).toHaveLength(5);
    expect(plan.jobs[0]).toMatchObject({ method: 'full', pruner: 'none', keep: 0, samples: 10 });
    expect(plan.jobs.filter((j) => j.method === 'gridprune-z4').every((j) => j.params.zoneSize === 4)).toBe(true);
    // ceil(10 / 4) = 3 shards per job
    expect(plan.shards).toHaveLength(15);
    expect(plan.shards.slice(0, 5).map((s) => s.sampleStart)).toEqual([0, 0, 0, 0, 0]);
    expect(plan.shards.at(-1)).toMatchObject({ sampleStart: 8, sampleEnd: 10 });
    for (let job = 0; job < 5; job++) {
      const covered = plan.shards.filter((s) => s.job === job).reduce((n, s) => n + s.sampleEnd - s.sampleStart, 0);
      expect(covered).toBe(10);
    }
  });

  it('caps samples at what the benchmark has', () => {
    const plan = expandSweep(parseSweepSpec(valid), new Map([['synth-shapes', 6]]));
    expect(plan.jobs.every((j) => j.samples === 6)).toBe(true);
  });
});
