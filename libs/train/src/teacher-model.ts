import { ChannelStats, normalize } from '@abd/data';
import { signsOfValues } from '@abd/distill';
import { ForeignTeacher, Wrn } from '@abd/models';

/** A run's teacher: one of our WRN checkpoints, or a user's model (ONNX, tfjs) with named taps. */
export type TeacherModel = Wrn | ForeignTeacher;

export function isForeignTeacher(t: TeacherModel): t is ForeignTeacher {
  return !(t instanceof Wrn);
}

/** What a teacher gives for one batch, as the batch sources hand it on. */
export interface TeacherBatchOutputs {
  signs?: Float32Array[];
  signShapes?: number[][];
  logits?: Float32Array;
  /** The tapped values themselves (NHWC), when asked for (`want.values`). */
  values?: Float32Array[];
}

/**
 * A foreign teacher's sign maps (ρ of the tapped values, `signsOfValues`) and
 * logits for one uint8 NHWC batch, normalized with the run's statistics like the student's input.
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
    res.signs = teacher.taps.map((t) => signsOfValues(out.taps[t].values));
    res.signShapes = teacher.taps.map((t) => out.taps[t].shape.slice());
  }
  if (want.values) res.values = teacher.taps.map((t) => out.taps[t].values);
  if (want.logits) res.logits = out.logits.values;
  return res;
}
