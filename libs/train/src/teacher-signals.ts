import * as tf from '@tensorflow/tfjs-core';
import { packSignsOnDevice } from '@abd/distill';
import { ForwardResult, Wrn } from '@abd/models';

/**
 * The residual-stream maps entering and leaving each group of a WRN (Wrn's `groupMaps`), by the
 * names a batch request and the wire use: FSP reads `groupK.in` / `groupK.out`, AT `groupK.out`.
 * `groupK+1.in` is the same map as `groupK.out`.
 */
export const GROUP_POINTS = [
  'group1.in',
  'group1.out',
  'group2.in',
  'group2.out',
  'group3.in',
  'group3.out',
] as const;

/** Every named point of a teacher whose float values can be asked for: its taps, then its group maps. */
export function teacherPoints(teacher: Wrn): string[] {
  return [...teacher.tapNames, ...GROUP_POINTS];
}

/** What to compute in one teacher forward pass. */
export interface TeacherSignalsWant {
  /** Taps whose ρ (docs/design.md, the sign map) to return packed, 1 bit per neuron. */
  signs?: readonly string[];
  /** Points (`teacherPoints`) whose float32 values to return. */
  features?: readonly string[];
  logits?: boolean;
}

/** One tap's packed sign map (packSigns' layout) and its shape [n, h, w, c]. */
export interface PackedSignMap {
  name: string;
  shape: [number, number, number, number];
  bits: Uint8Array;
}

/** A teacher's float32 map (NHWC, row-major) at a named point. */
export interface FeatureMap {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface TeacherSignals {
  /** In the order of `want.signs`. */
  signs: PackedSignMap[];
  /** In the order of `want.features`. */
  features: FeatureMap[];
  logits?: { values: Float32Array; shape: [number, number] };
}

/** Throws naming the point when `name` is no point of `teacher`. */
export function checkTeacherPoint(teacher: Wrn, name: string): void {
  if (!teacherPoints(teacher).includes(name))
    throw new Error(
      `unknown teacher point '${name}' (points: ${teacherPoints(teacher).join(', ')})`,
    );
}

function pointOf(teacher: Wrn, out: ForwardResult, name: string): tf.Tensor4D {
  const tap = teacher.tapNames.indexOf(name);
  if (tap >= 0) return out.taps[tap];
  const g = (GROUP_POINTS as readonly string[]).indexOf(name);
  if (g < 0 || !out.groups) {
    checkTeacherPoint(teacher, name);
    throw new Error(`teacher point '${name}' needs the group maps`);
  }
  return out.groups[g];
}

/**
 * The one map from a teacher forward pass to what distillation reads of it, used by the
 * in-process batch source and by the teacher-inference service: `x` (normalised NHWC) through
 * `teacher` with BN in `bnMode` ('train' = batch statistics; the outputs then depend on the
 * whole batch), then per asked tap ρ packed on the device (only the bits reach the host), per
 * asked point its float values, and the logits.
 */
export function teacherSignals(
  teacher: Wrn,
  x: tf.Tensor4D,
  bnMode: 'eval' | 'train',
  want: TeacherSignalsWant,
): TeacherSignals {
  const signs = want.signs ?? [];
  const features = want.features ?? [];
  for (const p of [...signs, ...features]) checkTeacherPoint(teacher, p);
  for (const s of signs)
    if (!teacher.tapNames.includes(s))
      throw new Error(`sign maps are of taps (${teacher.tapNames.join(', ')}), not '${s}'`);
  const groupMaps = features.some((f) => !teacher.tapNames.includes(f));
  // Values are read outside tf.tidy: tidy walks its return value, and a typed array of millions
  // of elements costs it seconds.
  const kept = tf.tidy(() => {
    const out = teacher.forward(x, { training: bnMode === 'train', updateStats: false, groupMaps });
    return {
      signs: signs.map((s) => pointOf(teacher, out, s)),
      features: features.map((f) => pointOf(teacher, out, f)),
      logits: want.logits ? out.logits : undefined,
    };
  });
  const res: TeacherSignals = {
    signs: kept.signs.map((t, i) => ({
      name: signs[i],
      shape: t.shape.slice() as [number, number, number, number],
      bits: packSignsOnDevice(t),
    })),
    features: kept.features.map((t, i) => ({
      name: features[i],
      shape: t.shape.slice(),
      values: t.dataSync() as Float32Array,
    })),
  };
  if (kept.logits)
    res.logits = {
      values: kept.logits.dataSync() as Float32Array,
      shape: kept.logits.shape.slice() as [number, number],
    };
  tf.dispose([...kept.signs, ...kept.features, ...(kept.logits ? [kept.logits] : [])]);
  return res;
}
