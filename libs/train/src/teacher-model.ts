import * as tf from '@tensorflow/tfjs-core';
import { ChannelStats, normalize } from '@abd/data';
import { packSigns } from '@abd/distill';
import { ForeignTeacher, Wrn } from '@abd/models';
import { FeatureMap, teacherSignals } from './teacher-signals';

/** A run's teacher: one of our WRN checkpoints, or a user's model (ONNX, tfjs) with named taps. */
export type TeacherModel = Wrn | ForeignTeacher;

export function isForeignTeacher(t: TeacherModel): t is ForeignTeacher {
  return !(t instanceof Wrn);
}

/** What a teacher gives for one batch, as the batch sources hand it on. */
export interface TeacherBatchOutputs {
  /** Per tap, ρ packed 1 bit per neuron (packSigns' layout). */
  signBits?: Uint8Array[];
  signShapes?: number[][];
  logits?: Float32Array;
  /** Float maps at the asked points, in the asked order. */
  features?: FeatureMap[];
  /** The tapped values themselves (NHWC), when asked for (`want.values`; a user's teacher). */
  values?: Float32Array[];
}

/** What one teacher call computes: every tap's signs, the logits, float maps at named points. */
export interface TeacherBatchWant {
  signs: boolean;
  logits: boolean;
  features?: readonly string[];
}

/**
 * The teacher's outputs for one uint8 NHWC batch, normalised with the run's statistics like
 * the student's input: our WRN through `teacherSignals` (BN in `mode`), a foreign teacher
 * (eval mode only: its BN cannot be switched; no feature points) through its runtime.
 */
export async function teacherBatchOutputs(
  teacher: TeacherModel,
  images: Uint8Array,
  shape: readonly [number, number, number, number],
  stats: ChannelStats,
  mode: 'eval' | 'train',
  want: TeacherBatchWant,
): Promise<TeacherBatchOutputs> {
  const [n, h, w, c] = shape;
  const features = want.features ?? [];
  if (isForeignTeacher(teacher)) {
    if (mode !== 'eval')
      throw new Error(
        `a ${teacher.format} teacher runs in eval mode only (ab.teacherBnMode: eval)`,
      );
    if (features.length > 0)
      throw new Error(`teacher features (${features.join(', ')}) need a WRN teacher`);
    return foreignTeacherOutputs(teacher, images, shape, stats, want);
  }
  const x = tf.tensor4d(normalize(images, n, h, w, c, stats), [n, h, w, c]);
  try {
    const t = teacherSignals(teacher, x, mode, {
      signs: want.signs ? teacher.tapNames : [],
      features,
      logits: want.logits,
    });
    const res: TeacherBatchOutputs = {};
    if (want.signs) {
      res.signBits = t.signs.map((s) => s.bits);
      res.signShapes = t.signs.map((s) => s.shape.slice());
    }
    if (t.logits) res.logits = t.logits.values;
    if (features.length > 0) res.features = t.features;
    return res;
  } finally {
    x.dispose();
  }
}

/**
 * A foreign teacher's packed sign maps (ρ of the tapped values, packSigns: they reach the host
 * as floats from its runtime anyway) and logits for one uint8 NHWC batch.
 */
export async function foreignTeacherOutputs(
  teacher: ForeignTeacher,
  images: Uint8Array,
  shape: readonly [number, number, number, number],
  stats: ChannelStats,
  want: { signs: boolean; logits: boolean; values?: boolean },
): Promise<TeacherBatchOutputs> {
  const [n, h, w, c] = shape;
  const out = await teacher.run(normalize(images, n, h, w, c, stats), shape);
  const res: TeacherBatchOutputs = {};
  if (want.signs) {
    res.signShapes = teacher.taps.map((t) => out.taps[t].shape.slice());
    res.signBits = teacher.taps.map((t, i) =>
      packSigns(out.taps[t].values, res.signShapes![i] as [number, number, number, number]),
    );
  }
  if (want.values) res.values = teacher.taps.map((t) => out.taps[t].values);
  if (want.logits) res.logits = out.logits.values;
  return res;
}
