import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16 } from '../src/onnx/float16.ts';

describe('float16 conversion (for float16 model graphs)', () => {
  it('encodes known half-precision bit patterns', () => {
    const bits = float32ToFloat16(Float32Array.from([0, 1, -2, 0.5, 65504, 1e-8, Infinity, 6.103515625e-5, 5.960464477539063e-8]));
    expect(Array.from(bits)).toEqual([0x0000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0000, 0x7c00, 0x0400, 0x0001]);
  });

  it('round-trips within half precision and rounds to nearest even', () => {
    const values = Float32Array.from([3.14159, -0.0001234, 1000.5, 2049]);
    const back = float16ToFloat32(float32ToFloat16(values));
    values.forEach((v, i) => expect(Math.abs((back[i] as number) - v) / Math.abs(v)).toBeLessThan(1e-3));
    // 2049 lies halfway between 2048 and 2050: ties go to the even mantissa (2048).
    expect(back[3]).toBe(2048);
    expect(Number.isNaN(float16ToFloat32(float32ToFloat16(Float32Array.from([NaN])))[0])).toBe(true);
  });
});
