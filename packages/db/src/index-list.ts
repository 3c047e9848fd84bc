import { customType } from 'drizzle-orm/sqlite-core';

/**
 * Kept token indices as little-endian uint16 bytes: 2 bytes per index instead of ~4 in JSON, and no parse cost on
 * the ingest path. The largest layout we know (LLaVA-NeXT, 2880 tokens; InternVL, 13 x 256) is far below 65536.
 */
export function encodeIndices(indices: ArrayLike<number>): Buffer {
  // Every byte is written below (or the buffer is dropped on a bad index): no need to zero it first.
  const bytes = Buffer.allocUnsafe(indices.length * 2);
  for (let i = 0; i < indices.length; i++) {
    const value = indices[i] as number;
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new RangeError(`kept index ${value} at position ${i} is not an integer in 0..65535`);
    }
    bytes.writeUInt16LE(value, i * 2);
  }
  return bytes;
}

export function decodeIndices(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint16(i * 2, true);
  return out;
}

export const indexList = customType<{ data: number[]; driverData: Buffer }>({
  dataType: () => 'blob',
  toDriver: (value) => encodeIndices(value),
  fromDriver: (value) => decodeIndices(value),
});
