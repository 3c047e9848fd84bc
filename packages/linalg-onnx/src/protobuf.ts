/**
 * The few protobuf wire-format primitives an ONNX ModelProto needs (varints and length-delimited fields), so
 * that the graphs can be built in memory without a protobuf runtime or a .proto file.
 */
export class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number): void {
    let v = value;
    while (v > 0x7f) {
      this.bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }

  private key(field: number, wireType: 0 | 2 | 5): void {
    this.varint(field * 8 + wireType);
  }

  int(field: number, value: number): this {
    if (!Number.isInteger(value) || value < 0) throw new Error(`protobuf: only non-negative integers, got ${value}`);
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const buf = new Uint8Array(new Float32Array([value]).buffer);
    this.bytes.push(...buf);
    return this;
  }

  raw(field: number, payload: Uint8Array): this {
    this.key(field, 2);
    this.varint(payload.length);
    for (const b of payload) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.raw(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
