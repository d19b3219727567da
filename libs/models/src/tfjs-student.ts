import type * as Tfjs from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from './checkpoint';
import { TeacherFormatError } from './foreign-teacher';
import { SeededRandom, subSeed } from './random';
import type { StudentModel } from './student';
import type { ForwardOptions, ForwardResult } from './wrn';

type Tf = typeof Tfjs;

/**
 * The umbrella package, loaded synchronously on first use (its layers API builds the model; the
 * ops are tfjs-core's, so our backend and gradients serve it). Only this family needs it.
 */
function tfjs(): Tf {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs') as Tf;
}

/**
 * A student whose architecture is a user's tfjs LayersModel (a Keras-style `model.json`
 * topology), with named tap layers (their outputs, 4-D, are the student's taps; name
 * pre-activation layers). Its weights are tfjs-layers' own variables: `params` the trainable
 * ones, `stats` the others (BN moving averages, moved by the layers in training mode), keyed by
 * their layer-scoped names (`conv1/kernel`). Weights start from a seeded rule (`initTfjsWeights`),
 * not from tfjs's unseeded initializers, so a run repeats exactly.
 */
export class TfjsLayersStudent implements StudentModel {
  readonly params = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  readonly tapNames: string[];
  readonly tapWidths: number[];
  /** The topology (Keras JSON) the model was built from; kept in checkpoints. */
  readonly topology: Record<string, unknown>;
  private readonly model: Tfjs.LayersModel;
  private readonly multi: Tfjs.LayersModel;

  /** Builds the model from a Keras-style topology (model.json's `modelTopology`); weights as tfjs initialises them (see initTfjsWeights). */
  static async create(
    topology: Record<string, unknown>,
    taps: readonly string[],
    source = 'tfjs-layers student',
  ): Promise<TfjsLayersStudent> {
    let model: Tfjs.LayersModel;
    try {
      model = await tfjs().models.modelFromJSON({
        modelTopology: topology,
      } as unknown as Tfjs.io.ModelJSON);
    } catch (e) {
      throw new TeacherFormatError(
        `${source}: not a tfjs LayersModel topology (${(e as Error).message})`,
      );
    }
    try {
      return new TfjsLayersStudent(model, topology, taps, source);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  private constructor(
    model: Tfjs.LayersModel,
    topology: Record<string, unknown>,
    taps: readonly string[],
    source: string,
  ) {
    const t = tfjs();
    this.topology = topology;
    this.model = model;
    const names = model.layers.map((l) => l.name);
    const missing = taps.filter((n) => !names.includes(n));
    if (missing.length)
      throw new TeacherFormatError(
        `${source}: no layer ${missing.map((n) => `'${n}'`).join(', ')} (layers: ${names.join(', ')})`,
      );
    if (model.outputs.length !== 1)
      throw new TeacherFormatError(
        `${source}: the model has ${model.outputs.length} outputs; a student has one (its logits)`,
      );
    const outs = taps.map((n) => model.getLayer(n).output as Tfjs.SymbolicTensor);
    for (const [i, o] of outs.entries()) {
      if (Array.isArray(o) || o.shape.length !== 4)
        throw new TeacherFormatError(
          `${source}: tap '${taps[i]}' gives [${(o as Tfjs.SymbolicTensor).shape}]; a tap is one 4-D map`,
        );
    }
    this.multi = t.model({ inputs: model.inputs, outputs: [model.outputs[0], ...outs] });
    this.tapNames = [...taps];
    this.tapWidths = outs.map((o) => o.shape[3] as number);
    for (const w of model.weights)
      (w.trainable ? this.params : this.stats).set(
        w.originalName,
        w.read() as unknown as tf.Variable,
      );
  }

  get inputShape(): Array<number | null> {
    return this.model.inputs[0].shape;
  }

  get numClasses(): number {
    return this.model.outputs[0].shape[this.model.outputs[0].shape.length - 1] as number;
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.params.values()) total += v.size;
    return total;
  }

  /** Logits and tap outputs; BN on batch statistics (and moving them) when training. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, opts: ForwardOptions): ForwardResult {
    if (opts.groupMaps || opts.plainBn)
      throw new CheckpointError(
        `a tfjs-layers student has no ${opts.groupMaps ? 'group maps' : 'plain-op BN'} (WRN only)`,
      );
    const [logits, ...taps] = this.multi.apply(x as unknown as Tfjs.Tensor, {
      training: opts.training,
    }) as unknown as tf.Tensor[];
    return { logits: logits as tf.Tensor2D, taps: taps as tf.Tensor4D[] };
  }

  /** The trained model in stock tfjs-layers format (topology + weights) for `tf.loadLayersModel`. */
  async saveLayers(): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array }> {
    let out: { modelJson: Record<string, unknown>; weights: Uint8Array } | undefined;
    await this.model.save(
      tfjs().io.withSaveHandler(async (a) => {
        out = {
          modelJson: {
            format: 'layers-model',
            generatedBy: 'ab-distill',
            modelTopology: a.modelTopology,
            weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
          },
          weights: new Uint8Array(a.weightData as ArrayBuffer),
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return out!;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Seeded initial weights by the Keras name of each variable: `kernel` (conv, dense, depthwise)
 * Glorot-uniform over its fan-in and fan-out (tfjs's own default for these layers), `bias`,
 * `beta`, `moving_mean` 0, `gamma`, `moving_variance` 1; any other kind is an error naming it.
 */
export function initTfjsWeights(s: TfjsLayersStudent, seed: number): void {
  for (const [name, v] of [...s.params, ...s.stats]) {
    const kind = name.split('/').pop()!;
    const n = v.size;
    let values: Float32Array;
    if (kind === 'kernel' || kind === 'depthwise_kernel') {
      const shape = v.shape;
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const fanIn = shape.length >= 2 ? shape[shape.length - 2] * receptive : shape[0];
      const fanOut = shape.length >= 2 ? shape[shape.length - 1] * receptive : shape[0];
      values = new SeededRandom(subSeed(seed, name)).fillUniform(
        new Float32Array(n),
        Math.sqrt(6 / (fanIn + fanOut)),
      );
    } else if (kind === 'bias' || kind === 'beta' || kind === 'moving_mean')
      values = new Float32Array(n);
    else if (kind === 'gamma' || kind === 'moving_variance') values = new Float32Array(n).fill(1);
    else
      throw new CheckpointError(
        `tfjs-layers student: no initialisation rule for weight '${name}' (kernel, bias, gamma, beta, moving_mean, moving_variance)`,
      );
    v.assign(tf.tensor(values, v.shape));
  }
}
