import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormPlain, batchNormRelu, BatchNormParams } from './batch-norm';
import { SeededRandom, subSeed } from './random';
import { makeVariable } from './variables';
import {
  InitScheme,
  validateWrnConfig,
  WrnConfig,
  wrnBlocksPerGroup,
  wrnWidths,
} from './wrn-config';

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** Pre-ReLU batch-norm outputs at the end of groups 1, 2, 3 (docs/design.md §2 (Network)), NHWC. */
  taps: tf.Tensor4D[];
  /**
   * With `groupMaps`: the residual stream entering and leaving each group,
   * [in₁, out₁, in₂, out₂, in₃, out₃] (NHWC; FSP's start/end maps, AT's group outputs).
   */
  groups?: tf.Tensor4D[];
}

export interface ForwardOptions {
  training: boolean;
  /** Move the BN running averages (default: = training). */
  updateStats?: boolean;
  /** Also return the maps entering and leaving each group (ForwardResult.groups). */
  groupMaps?: boolean;
  /**
   * Train-mode BN from plain differentiable ops (tf.moments, sub, div, sqrt) instead of the
   * custom-gradient op and the fused native BN+ReLU: slower, but its second derivatives are
   * exact, which double backprop needs (Jacobian matching; see @abd/distill inputGradient).
   */
  plainBn?: boolean;
}

interface Block {
  prefix: string;
  stride: number;
  shortcut: boolean;
}

/**
 * Pre-activation WRN-d-k: conv3×3(16) → 3 groups of (d−4)/6 basic blocks (widths 16k, 32k, 64k,
 * strides 1, 2, 2) → BN-ReLU-avgpool-linear. Block: o = relu(bn1(x)); y = conv2(relu(bn2(conv1(o))));
 * out = y + (x or shortcut1×1(o)). Convs have no bias. Parameter names follow `g1.b0.conv1`.
 */
export class Wrn {
  readonly config: WrnConfig;
  /** Trainable parameters by name, in a fixed order. */
  readonly params = new Map<string, tf.Variable>();
  /** BN running averages by name (not trained). */
  readonly stats = new Map<string, tf.Variable>();
  readonly tapNames = ['tap1', 'tap2', 'tap3'];
  private readonly blocks: Block[][] = [];

  constructor(config: WrnConfig, init: InitScheme = 'paper', seed = 0) {
    this.config = validateWrnConfig({ ...config });
    const w = wrnWidths(config);
    const n = wrnBlocksPerGroup(config);
    this.conv('conv0', 3, config.inChannels, 16, init, seed);
    for (let g = 0; g < 3; g++) {
      const group: Block[] = [];
      for (let b = 0; b < n; b++) {
        const cin = b === 0 ? w[g] : w[g + 1];
        const cout = w[g + 1];
        const stride = b === 0 && g > 0 ? 2 : 1;
        const prefix = `g${g + 1}.b${b}`;
        const shortcut = cin !== cout || stride !== 1;
        this.bn(`${prefix}.bn1`, cin);
        this.conv(`${prefix}.conv1`, 3, cin, cout, init, seed);
        this.bn(`${prefix}.bn2`, cout);
        this.conv(`${prefix}.conv2`, 3, cout, cout, init, seed);
        if (shortcut) this.conv(`${prefix}.short`, 1, cin, cout, init, seed);
        group.push({ prefix, stride, shortcut });
      }
      this.blocks.push(group);
    }
    this.bn('bn', w[3]);
    const fcBound = 1 / Math.sqrt(w[3]);
    const rng = new SeededRandom(subSeed(seed, 'fc'));
    this.param(
      'fc.w',
      [w[3], config.numClasses],
      rng.fillUniform(new Float32Array(w[3] * config.numClasses), fcBound),
    );
    const bias = new Float32Array(config.numClasses);
    if (init === 'torch') rng.fillUniform(bias, fcBound);
    this.param('fc.b', [config.numClasses], bias);
  }

  /** Widths of the three taps: [16k, 32k, 64k]. */
  get tapWidths(): number[] {
    return wrnWidths(this.config).slice(1);
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.params.values()) total += v.size;
    return total;
  }

  /** Runs the network on NHWC float input. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, opts: ForwardOptions): ForwardResult {
    const { training } = opts;
    const update = opts.updateStats ?? training;
    const p = (name: string) => this.params.get(name) as tf.Tensor4D;
    const bnOf = (name: string): BatchNormParams => ({
      gamma: this.params.get(`${name}.gamma`)!,
      beta: this.params.get(`${name}.beta`)!,
      runningMean: this.stats.get(`${name}.mean`)!,
      runningVar: this.stats.get(`${name}.var`)!,
    });
    const plain = training && !!opts.plainBn;
    const bnAny = (v: tf.Tensor4D, bn: BatchNormParams) =>
      plain ? batchNormPlain(v, bn, update) : batchNorm(v, bn, training, update);
    const bnRelu = (v: tf.Tensor4D, bn: BatchNormParams) =>
      plain ? tf.relu(batchNormPlain(v, bn, update)) : batchNormRelu(v, bn, training, update);
    const taps: tf.Tensor4D[] = [];
    const groups: tf.Tensor4D[] = [];
    let h = tf.conv2d(x, p('conv0.w'), 1, 'same');
    for (let g = 0; g < 3; g++) {
      if (opts.groupMaps) groups.push(h);
      for (const blk of this.blocks[g]) {
        // The first block of groups 2 and 3 exposes its pre-ReLU BN output as a tap.
        const isTap = g > 0 && blk === this.blocks[g][0];
        let o: tf.Tensor4D;
        if (isTap) {
          const pre = bnAny(h, bnOf(`${blk.prefix}.bn1`));
          taps.push(pre);
          o = tf.relu(pre);
        } else o = bnRelu(h, bnOf(`${blk.prefix}.bn1`));
        const c1 = conv3x3(o, p(`${blk.prefix}.conv1.w`), blk.stride);
        const a2 = bnRelu(c1, bnOf(`${blk.prefix}.bn2`));
        const y = conv3x3(a2, p(`${blk.prefix}.conv2.w`), 1);
        const skip = blk.shortcut
          ? tf.conv2d(o, p(`${blk.prefix}.short.w`), blk.stride, 'valid')
          : h;
        h = tf.add(y, skip);
      }
      if (opts.groupMaps) groups.push(h);
    }
    const last = bnAny(h, bnOf('bn'));
    taps.push(last);
    const pooled = tf.mean(tf.relu(last), [1, 2]) as tf.Tensor2D;
    const logits = tf.add(
      tf.matMul(pooled, this.params.get('fc.w') as tf.Tensor2D),
      this.params.get('fc.b')!,
    ) as tf.Tensor2D;
    return opts.groupMaps ? { logits, taps, groups } : { logits, taps };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.stats.values()) v.dispose();
  }

  private param(name: string, shape: number[], values: Float32Array): void {
    this.params.set(name, makeVariable(values, shape, true));
  }

  private conv(
    name: string,
    k: number,
    cin: number,
    cout: number,
    init: InitScheme,
    seed: number,
  ): void {
    const rng = new SeededRandom(subSeed(seed, name));
    const vals = new Float32Array(k * k * cin * cout);
    // paper code: N(0, √(2/(k·k·out))); PyTorch default (kaiming_uniform, a=√5): U(±1/√(k·k·in)).
    if (init === 'paper') rng.fillNormal(vals, Math.sqrt(2 / (k * k * cout)));
    else rng.fillUniform(vals, 1 / Math.sqrt(k * k * cin));
    this.param(`${name}.w`, [k, k, cin, cout], vals);
  }

  private bn(name: string, c: number): void {
    this.param(`${name}.gamma`, [c], new Float32Array(c).fill(1));
    this.param(`${name}.beta`, [c], new Float32Array(c));
    this.stats.set(`${name}.mean`, makeVariable(new Float32Array(c), [c], false));
    this.stats.set(`${name}.var`, makeVariable(new Float32Array(c).fill(1), [c], false));
  }
}

/** 3×3 conv with PyTorch's padding 1 (for stride 2 tfjs 'same' would pad asymmetrically). */
function conv3x3(x: tf.Tensor4D, w: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return tf.conv2d(x, w, 1, 'same');
  return tf.conv2d(x, w, stride, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
}
