/**
 * ONNX graphs for the pruners' similarity products, encoded by hand (field numbers from onnx.proto3).
 * cosine:      X [N, D]          -> Y [N, N]   = normalise(X) normalise(X)^T
 * gramBlocks(B): X0..X{B-1} (row blocks of X) -> Y{i}_{j} for i <= j: the upper block triangle of the same
 *               matrix, (B + 1) / 2B of the multiply-adds; the caller mirrors the lower blocks.
 * cosineCross: A [Na, D], B [Nb, D] -> Y [Na, Nb] = normalise(A) normalise(B)^T, as (normalise(A) B^T) / ||B_j||
 * dotCross:    A [Na, D], B [Nb, D] -> Y [Na, Nb] = A B^T
 * matmul:      A [R, K], B [K, C]   -> Y [R, C]   = A B
 * normalise(x) = x / max(||x||_2, eps) row-wise, matching the pure-TS backend.
 */
import { ProtoWriter } from './protobuf.ts';

const FLOAT = 1;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
const OPSET = 17;
const IR_VERSION = 8;
export const NORM_EPS = 1e-12;

type Attribute = { name: string; int?: number; ints?: number[]; float?: number };

function node(w: ProtoWriter, op: string, inputs: string[], outputs: string[], attributes: Attribute[] = []): void {
  w.message(1, (n) => {
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    n.string(3, `${op}_${outputs[0]}`);
    n.string(4, op);
    for (const a of attributes) {
      n.message(5, (attr) => {
        attr.string(1, a.name);
        if (a.float !== undefined) attr.float(2, a.float).int(20, ATTR_FLOAT);
        else if (a.ints !== undefined) { for (const v of a.ints) attr.int(8, v); attr.int(20, ATTR_INTS); }
        else attr.int(3, a.int ?? 0).int(20, ATTR_INT);
      });
    }
  });
}

function tensorValue(w: ProtoWriter, field: 11 | 12, name: string, dims: string[]): void {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (type) => type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => { for (const dim of dims) shape.message(1, (d) => d.string(2, dim)); });
    }));
  });
}

function scalarInitializer(w: ProtoWriter, name: string, value: number): void {
  w.message(5, (t) => {
    t.int(2, FLOAT);
    t.string(8, name);
    t.raw(9, new Uint8Array(new Float32Array([value]).buffer));
  });
}

/** Row-normalise `input` into `output`. */
function normalise(g: ProtoWriter, input: string, output: string): void {
  node(g, 'ReduceL2', [input], [`${output}_norm`], [{ name: 'axes', ints: [1] }, { name: 'keepdims', int: 1 }]);
  node(g, 'Max', [`${output}_norm`, 'eps'], [`${output}_safe`]);
  node(g, 'Div', [input, `${output}_safe`], [output]);
}

function model(build: (g: ProtoWriter) => void): Uint8Array {
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'prunebench-linalg-onnx')
    .message(8, (o) => o.string(1, '').int(2, OPSET))
    .message(7, build)
    .finish();
}

export function cosineModel(): Uint8Array {
  return model((g) => {
    normalise(g, 'X', 'Xn');
    node(g, 'Transpose', ['Xn'], ['XnT'], [{ name: 'perm', ints: [1, 0] }]);
    node(g, 'MatMul', ['Xn', 'XnT'], ['Y']);
    g.string(2, 'cosine');
    scalarInitializer(g, 'eps', NORM_EPS);
    tensorValue(g, 11, 'X', ['N', 'D']);
    tensorValue(g, 12, 'Y', ['N', 'N']);
  });
}

/**
 * normalise(A) B^T, then each column divided by max(||B_j||, eps): B is read twice (norms, product) but never
 * copied (normalising a 2880 x 4096 B first wrote a 47 MB copy). Still costly when B is the large side and A has
 * a few rows: onnxruntime's ReduceL2 over a 2880 x 4096 B is a scalar pass (~14 ms on this machine) and the
 * product packs the transposed B. For that shape ask for dotCross(B, normalise(A)) and divide by B's norms on
 * the caller's side, as pruners' DART does (~4 ms for the product).
 */
export function cosineCrossModel(): Uint8Array {
  return model((g) => {
    normalise(g, 'A', 'An');
    node(g, 'Transpose', ['B'], ['BT'], [{ name: 'perm', ints: [1, 0] }]);
    node(g, 'MatMul', ['An', 'BT'], ['P']);
    node(g, 'ReduceL2', ['B'], ['B_norm'], [{ name: 'axes', ints: [1] }, { name: 'keepdims', int: 0 }]);
    node(g, 'Max', ['B_norm', 'eps'], ['B_safe']);
    node(g, 'Div', ['P', 'B_safe'], ['Y']);
    g.string(2, 'cosine_cross');
    scalarInitializer(g, 'eps', NORM_EPS);
    tensorValue(g, 11, 'A', ['Na', 'D']);
    tensorValue(g, 11, 'B', ['Nb', 'D']);
    tensorValue(g, 12, 'Y', ['Na', 'Nb']);
  });
}

export function gramBlocksModel(blocks: number): Uint8Array {
  return model((g) => {
    for (let i = 0; i < blocks; i++) {
      normalise(g, `X${i}`, `N${i}`);
      node(g, 'Transpose', [`N${i}`], [`T${i}`], [{ name: 'perm', ints: [1, 0] }]);
    }
    for (let i = 0; i < blocks; i++) for (let j = i; j < blocks; j++) node(g, 'MatMul', [`N${i}`, `T${j}`], [`Y${i}_${j}`]);
    g.string(2, `gram_blocks_${blocks}`);
    scalarInitializer(g, 'eps', NORM_EPS);
    for (let i = 0; i < blocks; i++) tensorValue(g, 11, `X${i}`, [`R${i}`, 'D']);
    for (let i = 0; i < blocks; i++) for (let j = i; j < blocks; j++) tensorValue(g, 12, `Y${i}_${j}`, [`R${i}`, `R${j}`]);
  });
}

export function dotCrossModel(): Uint8Array {
  return model((g) => {
    node(g, 'Transpose', ['B'], ['BT'], [{ name: 'perm', ints: [1, 0] }]);
    node(g, 'MatMul', ['A', 'BT'], ['Y']);
    g.string(2, 'dot_cross');
    tensorValue(g, 11, 'A', ['Na', 'D']);
    tensorValue(g, 11, 'B', ['Nb', 'D']);
    tensorValue(g, 12, 'Y', ['Na', 'Nb']);
  });
}

export function matmulModel(): Uint8Array {
  return model((g) => {
    node(g, 'MatMul', ['A', 'B'], ['Y']);
    g.string(2, 'matmul');
    tensorValue(g, 11, 'A', ['R', 'K']);
    tensorValue(g, 11, 'B', ['K', 'C']);
    tensorValue(g, 12, 'Y', ['R', 'C']);
  });
}
