import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { ExportGraph, ExportNode } from './export-graph';

/** ONNX operator set the export targets: every op used (Conv, BatchNormalization, …) is in it unchanged. */
export const ONNX_OPSET = 13;
/** IR version 7 is the one that goes with opset 13 (ONNX 1.8). */
const IR_VERSION = 7;

let modelType: protobuf.Type | null = null;

/** onnx.ModelProto from the committed official schema (libs/models/onnx/onnx.proto). */
function onnxModelType(): protobuf.Type {
  modelType ??= protobuf
    .loadSync(join(__dirname, '..', 'onnx', 'onnx.proto'))
    .lookupType('onnx.ModelProto');
  return modelType;
}

interface OnnxNode {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Array<Record<string, unknown>>;
}

/**
 * An ONNX model (opset 13) of the graph: input `input` NCHW float32 [N, C, H, W] (free N, H, W;
 * ONNX convolutions are channels-first), output `logits` [N, classes]. BN is the inference op
 * with the running statistics.
 */
export function toOnnx(g: ExportGraph): Uint8Array {
  const nodes: OnnxNode[] = [];
  const inits: Array<Record<string, unknown>> = [];
  const init = (name: string, dims: number[], values: Float32Array) => {
    inits.push({
      name,
      dims,
      dataType: 1,
      rawData: new Uint8Array(
        values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength),
      ),
    });
    return name;
  };
  const node = (
    op: string,
    name: string,
    input: string[],
    attribute: Array<Record<string, unknown>> = [],
    output = name,
  ) => nodes.push({ op_type: op, name, input, output: [output], attribute });
  for (const n of g.nodes) emit(n, node, init, n.name === g.output ? 'logits' : n.name);
  const dim = (d: string | number) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const tensorType = (dims: Array<string | number>) => ({
    tensorType: { elemType: 1, shape: { dim: dims.map(dim) } },
  });
  const model = {
    irVersion: IR_VERSION,
    producerName: 'ab-distill',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: [
      { key: 'input', value: 'NCHW float32, normalized per channel: (x/255 - mean) / std' },
      { key: 'taps', value: g.taps.join(',') },
      ...(g.normalization
        ? [{ key: 'normalization', value: JSON.stringify(g.normalization) }]
        : []),
    ],
    graph: {
      name: g.name,
      node: nodes.map((n) => ({
        opType: n.op_type,
        name: n.name,
        input: n.input,
        output: n.output,
        attribute: n.attribute,
      })),
      initializer: inits,
      input: [{ name: g.input, type: tensorType(['N', g.inChannels, 'H', 'W']) }],
      output: [{ name: 'logits', type: tensorType(['N', g.numClasses]) }],
    },
  };
  const T = onnxModelType();
  const err = T.verify(model);
  if (err) throw new Error(`export: invalid ONNX model (${err})`);
  return T.encode(T.fromObject(model)).finish();
}

const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
const int = (name: string, v: number) => ({ name, type: 2, i: v });
const float = (name: string, v: number) => ({ name, type: 1, f: v });

/** HWIO → OIHW (ONNX Conv weights). */
function oihw(
  k: Float32Array,
  [kh, kw, cin, cout]: [number, number, number, number],
): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
  return out;
}

function emit(
  n: ExportNode,
  node: (
    op: string,
    name: string,
    input: string[],
    attribute?: Array<Record<string, unknown>>,
    output?: string,
  ) => void,
  init: (name: string, dims: number[], values: Float32Array) => string,
  out: string,
): void {
  switch (n.op) {
    case 'conv': {
      const [kh, kw, cin, cout] = n.shape;
      const w = init(`${n.name}.weight`, [cout, cin, kh, kw], oihw(n.kernel, n.shape));
      node(
        'Conv',
        n.name,
        [n.input, w],
        [
          ints('kernel_shape', [kh, kw]),
          ints('strides', [n.stride, n.stride]),
          ints('pads', [n.pad, n.pad, n.pad, n.pad]),
          ints('dilations', [1, 1]),
          int('group', 1),
        ],
        out,
      );
      return;
    }
    case 'bn': {
      const c = [n.gamma.length];
      const ins = [
        init(`${n.name}.weight`, c, n.gamma),
        init(`${n.name}.bias`, c, n.beta),
        init(`${n.name}.running_mean`, c, n.mean),
        init(`${n.name}.running_var`, c, n.variance),
      ];
      node('BatchNormalization', n.name, [n.input, ...ins], [float('epsilon', n.eps)], out);
      return;
    }
    case 'relu':
      node('Relu', n.name, [n.input], [], out);
      return;
    case 'add':
      node('Add', n.name, n.inputs, [], out);
      return;
    case 'gap':
      // GlobalAveragePool keeps [N, C, 1, 1]; flatten to [N, C] for the Gemm.
      node('GlobalAveragePool', `${n.name}.gap`, [n.input], [], `${n.name}.gap`);
      node('Flatten', n.name, [`${n.name}.gap`], [int('axis', 1)], out);
      return;
    case 'dense': {
      const w = init(`${n.name}.weight`, n.shape, n.kernel);
      const b = init(`${n.name}.bias`, [n.bias.length], n.bias);
      node('Gemm', n.name, [n.input, w, b], [], out);
      return;
    }
  }
}
