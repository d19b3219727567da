import * as tf from '@tensorflow/tfjs-core';
import { BN_EPS } from './batch-norm';
import { Wrn } from './wrn';
import { wrnBlocksPerGroup } from './wrn-config';

/**
 * An inference-mode network as a list of plain layers with their values, the common source of
 * every export format (tfjs-layers, ONNX). Activations are NHWC here; conv kernels are HWIO
 * ([k, k, cin, cout]), dense kernels [cin, cout]. BN carries the running statistics, so every
 * export computes what `forward(x, { training: false })` computes.
 */
export type ExportNode =
  | {
      op: 'conv';
      name: string;
      input: string;
      kernel: Float32Array;
      shape: [number, number, number, number];
      stride: number;
      pad: number;
    }
  | {
      op: 'bn';
      name: string;
      input: string;
      gamma: Float32Array;
      beta: Float32Array;
      mean: Float32Array;
      variance: Float32Array;
      eps: number;
    }
  | { op: 'relu'; name: string; input: string }
  | { op: 'add'; name: string; inputs: [string, string] }
  | { op: 'gap'; name: string; input: string }
  | {
      op: 'dense';
      name: string;
      input: string;
      kernel: Float32Array;
      bias: Float32Array;
      shape: [number, number];
    };

export interface ExportGraph {
  /** Architecture name, e.g. wrn-16-2. */
  name: string;
  inChannels: number;
  numClasses: number;
  /** The input node's name; its values are normalized images ((x/255 − mean) / std per channel). */
  input: 'input';
  nodes: ExportNode[];
  /** Name of the node whose output is the logits. */
  output: string;
  /** Names of the nodes whose outputs are the model's taps (pre-ReLU, as in `forward().taps`). */
  taps: string[];
  /** Per-channel statistics the inputs are normalized with, when known (written into the export's metadata). */
  normalization?: { mean: number[]; std: number[] };
}

export const EXPORT_INPUT = 'input';

/** Builds the graph of a network from its variables: adds nodes in order, reads values once. */
export class GraphBuilder {
  readonly nodes: ExportNode[] = [];
  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly stats: Map<string, tf.Variable>,
  ) {}

  conv(name: string, input: string, stride: number, pad: number): string {
    const w = this.value(this.params, `${name}.w`);
    const s = this.params.get(`${name}.w`)!.shape as [number, number, number, number];
    this.nodes.push({ op: 'conv', name, input, kernel: w, shape: s, stride, pad });
    return name;
  }

  bn(name: string, input: string): string {
    this.nodes.push({
      op: 'bn',
      name,
      input,
      gamma: this.value(this.params, `${name}.gamma`),
      beta: this.value(this.params, `${name}.beta`),
      mean: this.value(this.stats, `${name}.mean`),
      variance: this.value(this.stats, `${name}.var`),
      eps: BN_EPS,
    });
    return name;
  }

  relu(name: string, input: string): string {
    this.nodes.push({ op: 'relu', name, input });
    return name;
  }

  add(name: string, a: string, b: string): string {
    this.nodes.push({ op: 'add', name, inputs: [a, b] });
    return name;
  }

  gap(name: string, input: string): string {
    this.nodes.push({ op: 'gap', name, input });
    return name;
  }

  dense(name: string, input: string): string {
    const shape = this.params.get(`${name}.w`)!.shape as [number, number];
    this.nodes.push({
      op: 'dense',
      name,
      input,
      kernel: this.value(this.params, `${name}.w`),
      bias: this.value(this.params, `${name}.b`),
      shape,
    });
    return name;
  }

  private value(from: Map<string, tf.Variable>, key: string): Float32Array {
    const v = from.get(key);
    if (!v) throw new Error(`export: the model has no variable '${key}'`);
    return v.dataSync() as Float32Array;
  }
}

/** The pre-activation WRN of `Wrn.forward` as an export graph (same names as its variables). */
export function wrnGraph(model: Wrn): ExportGraph {
  const b = new GraphBuilder(model.params, model.stats);
  const n = wrnBlocksPerGroup(model.config);
  const taps: string[] = [];
  let h = b.conv('conv0', EXPORT_INPUT, 1, 1);
  for (let g = 1; g <= 3; g++) {
    for (let i = 0; i < n; i++) {
      const p = `g${g}.b${i}`;
      const stride = i === 0 && g > 1 ? 2 : 1;
      const pre = b.bn(`${p}.bn1`, h);
      if (i === 0 && g > 1) taps.push(pre);
      const o = b.relu(`${p}.relu1`, pre);
      const c1 = b.conv(`${p}.conv1`, o, stride, 1);
      const a2 = b.relu(`${p}.relu2`, b.bn(`${p}.bn2`, c1));
      const y = b.conv(`${p}.conv2`, a2, 1, 1);
      const skip = model.params.has(`${p}.short.w`) ? b.conv(`${p}.short`, o, stride, 0) : h;
      h = b.add(`${p}.add`, y, skip);
    }
  }
  taps.push(b.bn('bn', h));
  const pooled = b.gap('pool', b.relu('relu', 'bn'));
  const out = b.dense('fc', pooled);
  return {
    name: `wrn-${model.config.depth}-${model.config.widen}`,
    inChannels: model.config.inChannels,
    numClasses: model.config.numClasses,
    input: EXPORT_INPUT,
    nodes: b.nodes,
    output: out,
    taps,
  };
}
