import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, BatchNormParams } from './batch-norm';
import { SeededRandom, subSeed } from './random';
import { ResNetConfig, resnetName, validateResNetConfig } from './resnet-config';
import { ModelConfigError } from './wrn-config';
import { makeVariable } from './variables';
import type { ForwardOptions, ForwardResult } from './wrn';

interface Block {
  prefix: string;
  stride: number;
  down: boolean;
}

/**
 * Post-activation CIFAR ResNet: conv3×3 → BN → ReLU → 3 stages of (d−2)/6 basic blocks (strides
 * 1, 2, 2) → global average pool → linear. Block: y = bn2(conv2(relu(bn1(conv1(x))))) + (x or
 * bn(conv1×1(x))); out = relu(y). The taps are the pre-ReLU sums y of each stage's last block
 * (RepDistiller's `preact` features). Names follow PyTorch's: `layer1.0.conv1`, `layer2.0.down`.
 * The reference pools with AvgPool2d(8), which equals the global average on 32×32 inputs; the
 * global average also serves other sizes.
 */
export class ResNet {
  readonly config: ResNetConfig;
  readonly params = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  readonly tapNames = ['tap1', 'tap2', 'tap3'];
  readonly blocks: Block[][] = [];

  constructor(config: ResNetConfig, seed = 0) {
    this.config = validateResNetConfig({
      ...config,
      widths: [...config.widths] as ResNetConfig['widths'],
    });
    const w = this.config.widths;
    const n = (this.config.depth - 2) / 6;
    this.conv('conv1', 3, config.inChannels, w[0], seed);
    this.bn('bn1', w[0]);
    let cin = w[0];
    for (let s = 0; s < 3; s++) {
      const stage: Block[] = [];
      for (let b = 0; b < n; b++) {
        const stride = b === 0 && s > 0 ? 2 : 1;
        const cout = w[s + 1];
        const prefix = `layer${s + 1}.${b}`;
        const down = stride !== 1 || cin !== cout;
        this.conv(`${prefix}.conv1`, 3, cin, cout, seed);
        this.bn(`${prefix}.bn1`, cout);
        this.conv(`${prefix}.conv2`, 3, cout, cout, seed);
        this.bn(`${prefix}.bn2`, cout);
        if (down) {
          this.conv(`${prefix}.down`, 1, cin, cout, seed);
          this.bn(`${prefix}.downbn`, cout);
        }
        stage.push({ prefix, stride, down });
        cin = cout;
      }
      this.blocks.push(stage);
    }
    // PyTorch's nn.Linear default: U(±1/√in) for weight and bias.
    const bound = 1 / Math.sqrt(cin);
    const rng = new SeededRandom(subSeed(seed, 'fc'));
    this.param(
      'fc.w',
      [cin, config.numClasses],
      rng.fillUniform(new Float32Array(cin * config.numClasses), bound),
    );
    this.param(
      'fc.b',
      [config.numClasses],
      rng.fillUniform(new Float32Array(config.numClasses), bound),
    );
  }

  get tapWidths(): number[] {
    return this.config.widths.slice(1);
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.params.values()) total += v.size;
    return total;
  }

  /** Runs the network on NHWC float input. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, opts: ForwardOptions): ForwardResult {
    const { training } = opts;
    // Group maps (FSP, AT) and plain-op BN (Jacobian matching) are WRN-only so far: say so
    // rather than return something else.
    if (opts.groupMaps || opts.plainBn)
      throw new ModelConfigError(
        `${resnetName(this.config)}: ${opts.groupMaps ? 'group maps' : 'plain-op BN'} are not available for ResNet students (WRN only)`,
      );
    const update = opts.updateStats ?? training;
    const bnOf = (name: string): BatchNormParams => ({
      gamma: this.params.get(`${name}.gamma`)!,
      beta: this.params.get(`${name}.beta`)!,
      runningMean: this.stats.get(`${name}.mean`)!,
      runningVar: this.stats.get(`${name}.var`)!,
    });
    const p = (name: string) => this.params.get(`${name}.w`) as tf.Tensor4D;
    const taps: tf.Tensor4D[] = [];
    let h = batchNormRelu(conv3x3(x, p('conv1'), 1), bnOf('bn1'), training, update);
    for (const stage of this.blocks) {
      let pre: tf.Tensor4D | null = null;
      for (const blk of stage) {
        const a = batchNormRelu(
          conv3x3(h, p(`${blk.prefix}.conv1`), blk.stride),
          bnOf(`${blk.prefix}.bn1`),
          training,
          update,
        );
        const y = batchNorm(
          conv3x3(a, p(`${blk.prefix}.conv2`), 1),
          bnOf(`${blk.prefix}.bn2`),
          training,
          update,
        );
        const skip = blk.down
          ? batchNorm(
              tf.conv2d(h, p(`${blk.prefix}.down`), blk.stride, 'valid'),
              bnOf(`${blk.prefix}.downbn`),
              training,
              update,
            )
          : h;
        pre = tf.add(y, skip) as tf.Tensor4D;
        h = tf.relu(pre) as tf.Tensor4D;
      }
      taps.push(pre!);
    }
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const logits = tf.add(
      tf.matMul(pooled, this.params.get('fc.w') as tf.Tensor2D),
      this.params.get('fc.b')!,
    ) as tf.Tensor2D;
    return { logits, taps };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.stats.values()) v.dispose();
  }

  private param(name: string, shape: number[], values: Float32Array): void {
    this.params.set(name, makeVariable(values, shape, true));
  }

  /** The reference's kaiming_normal_(mode='fan_out', relu): N(0, √(2/(k·k·out))). */
  private conv(name: string, k: number, cin: number, cout: number, seed: number): void {
    const rng = new SeededRandom(subSeed(seed, name));
    this.param(
      `${name}.w`,
      [k, k, cin, cout],
      rng.fillNormal(new Float32Array(k * k * cin * cout), Math.sqrt(2 / (k * k * cout))),
    );
  }

  private bn(name: string, c: number): void {
    this.param(`${name}.gamma`, [c], new Float32Array(c).fill(1));
    this.param(`${name}.beta`, [c], new Float32Array(c));
    this.stats.set(`${name}.mean`, makeVariable(new Float32Array(c), [c], false));
    this.stats.set(`${name}.var`, makeVariable(new Float32Array(c).fill(1), [c], false));
  }
}

/** 3×3 conv with PyTorch's padding 1 (symmetric also at stride 2). */
function conv3x3(x: tf.Tensor4D, w: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return tf.conv2d(x, w, 1, 'same');
  return tf.conv2d(x, w, stride, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
}
