import { ExportGraph, ExportNode } from './export-graph';
import { LayersModelFiles } from './export-layers';

type Attr = Record<string, unknown>;
interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr: Record<string, Attr>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const FLOAT = { type: 'DT_FLOAT' };
const ints = (v: number[]) => ({ list: { i: v.map(String) } });

/**
 * A tfjs GraphModel (`format: graph-model`: a TensorFlow GraphDef as JSON, the form
 * `tensorflowjs_converter` writes for SavedModels) that stock `tf.loadGraphModel` runs:
 * Placeholder `input` (NHWC, free batch and size) → Conv2D / FusedBatchNormV3 (inference) /
 * Relu / AddV2 / Mean / MatMul / BiasAdd → `logits`. Weights are Const nodes from the manifest.
 */
export function toGraphModel(g: ExportGraph, shardName = 'group1-shard1of1.bin'): LayersModelFiles {
  const nodes: TfNode[] = [
    {
      name: g.input,
      op: 'Placeholder',
      attr: {
        dtype: FLOAT,
        shape: { shape: { dim: [-1, -1, -1, g.inChannels].map((d) => ({ size: String(d) })) } },
      },
    },
  ];
  const specs: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' }> = [];
  const chunks: Uint8Array[] = [];
  const konst = (name: string, shape: number[], values: Float32Array | Int32Array) => {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    specs.push({ name, shape, dtype });
    chunks.push(
      new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
    );
    const t = { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' };
    nodes.push({
      name,
      op: 'Const',
      attr: {
        dtype: t,
        value: {
          tensor: { dtype: t.type, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } },
        },
      },
    });
    return name;
  };
  const node = (name: string, op: string, input: string[], attr: Record<string, Attr> = {}) =>
    nodes.push({ name, op, input, attr });
  for (const n of g.nodes) emit(n, n.name === g.output ? 'logits' : n.name, node, konst);
  const bytes = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'ab-distill',
    convertedBy: 'ab-distill (tfjs graph-model format)',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1286 } },
    weightsManifest: [{ paths: [shardName], weights: specs }],
    userDefinedMetadata: {
      taps: g.taps,
      input: 'NHWC float32, normalized per channel: (x/255 - mean) / std',
      output: 'logits',
      ...(g.normalization ? { normalization: g.normalization } : {}),
    },
  };
  return { modelJson, shardName, shard: bytes };
}

function emit(
  n: ExportNode,
  out: string,
  node: (name: string, op: string, input: string[], attr?: Record<string, Attr>) => void,
  konst: (name: string, shape: number[], values: Float32Array | Int32Array) => string,
): void {
  switch (n.op) {
    case 'conv': {
      const k = konst(`${n.name}/kernel`, n.shape, n.kernel);
      const [kh] = n.shape;
      // TF 'SAME' pads symmetrically only at stride 1 with odd kernels; else explicit (PyTorch-style) padding.
      const same = n.stride === 1 && n.pad * 2 === kh - 1;
      const padAttrs: Record<string, Attr> =
        n.pad === 0
          ? { padding: { s: b64('VALID') } }
          : same
            ? { padding: { s: b64('SAME') } }
            : {
                padding: { s: b64('EXPLICIT') },
                explicit_paddings: ints([0, 0, n.pad, n.pad, n.pad, n.pad, 0, 0]),
              };
      node(out, 'Conv2D', [n.input, k], {
        T: FLOAT,
        strides: ints([1, n.stride, n.stride, 1]),
        dilations: ints([1, 1, 1, 1]),
        data_format: { s: b64('NHWC') },
        ...padAttrs,
      });
      return;
    }
    case 'bn': {
      const c = [n.gamma.length];
      const ins = [
        konst(`${n.name}/gamma`, c, n.gamma),
        konst(`${n.name}/beta`, c, n.beta),
        konst(`${n.name}/moving_mean`, c, n.mean),
        konst(`${n.name}/moving_variance`, c, n.variance),
      ];
      node(out, 'FusedBatchNormV3', [n.input, ...ins], {
        T: FLOAT,
        U: FLOAT,
        epsilon: { f: n.eps },
        is_training: { b: false },
        data_format: { s: b64('NHWC') },
      });
      return;
    }
    case 'relu':
      node(out, 'Relu', [n.input], { T: FLOAT });
      return;
    case 'add':
      node(out, 'AddV2', n.inputs, { T: FLOAT });
      return;
    case 'gap': {
      const axes = konst(`${n.name}/axes`, [2], Int32Array.from([1, 2]));
      node(out, 'Mean', [n.input, axes], {
        T: FLOAT,
        Tidx: { type: 'DT_INT32' },
        keep_dims: { b: false },
      });
      return;
    }
    case 'dense': {
      const w = konst(`${n.name}/kernel`, n.shape, n.kernel);
      const b = konst(`${n.name}/bias`, [n.bias.length], n.bias);
      node(`${n.name}/MatMul`, 'MatMul', [n.input, w], {
        T: FLOAT,
        transpose_a: { b: false },
        transpose_b: { b: false },
      });
      node(out, 'BiasAdd', [`${n.name}/MatMul`, b], { T: FLOAT, data_format: { s: b64('NHWC') } });
      return;
    }
  }
}
