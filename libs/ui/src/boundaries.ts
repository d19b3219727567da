import * as tf from '@tensorflow/tfjs-core';
import { ArtifactStore, validateKey } from '@abd/artifacts';
import type { ChannelStats } from '@abd/data';
import { unpackSigns } from '@abd/distill';
import { assignState, Connectors, matchTapSize } from '@abd/models';
import {
  imagesToTensor,
  isForeignTeacher,
  pairedStudentTaps,
  teacherBatchOutputs,
  type RunConfig,
  type TeacherModel,
} from '@abd/train';
import { BoundaryCache } from './boundary-cache';
import { tryJson } from './store-view';

export { BoundaryCache } from './boundary-cache';

/** Which student checkpoint a boundary view reads. */
export const STUDENT_CHECKPOINTS = ['ab-init', 'final'] as const;
export type StudentCheckpoint = (typeof STUDENT_CHECKPOINTS)[number];

export interface TapSigns {
  name: string;
  height: number;
  width: number;
  /** Teacher channels; the student's r(S) has as many when it is shown. */
  channels: number;
  /** 1 where the teacher's pre-activation > 0, NHWC for the one image (h·w·c). */
  teacher: Uint8Array;
  /** ρ(r(S)), or ρ(S) when the widths match and there is no connector; absent otherwise. */
  student?: Uint8Array;
  studentChannels: number;
  /** How the student's map was made, or why it is missing. */
  via: string;
}

export interface BoundaryView {
  index: number;
  label: number;
  classNames: string[];
  image: { height: number; width: number; channels: number; pixels: Uint8Array };
  teacherPred: number;
  studentPred: number;
  taps: TapSigns[];
  /** Store key of the student checkpoint used. */
  studentKey: string;
}

/** Store directory of a method's student checkpoint, or undefined when there is none. */
export async function studentCheckpointDir(
  store: ArtifactStore,
  runId: string,
  method: string,
  which: StudentCheckpoint,
): Promise<string | undefined> {
  const base = `runs/${runId}/${method}`;
  if (which === 'final')
    return (await store.exists(`${base}/final/model.json`)) ? `${base}/final` : undefined;
  const latest = await tryJson<{ dir: string }>(store, `${base}/ab-init/latest.json`);
  // The pointer is data: only follow it inside this stage's own directory.
  if (!latest || typeof latest.dir !== 'string' || !latest.dir.startsWith(`${base}/ab-init/epoch-`))
    return undefined;
  return validateKey(latest.dir);
}

/** The teacher's sign maps (NHWC, 0/1 per neuron) with their shapes, and its prediction, for one image. */
async function teacherSigns(
  teacher: TeacherModel,
  pixels: Uint8Array,
  shape: [number, number, number, number],
  stats: ChannelStats,
): Promise<{ maps: Array<{ bits: Uint8Array; shape: number[] }>; pred: number; names: string[] }> {
  const argmax = (v: ArrayLike<number>): number => {
    let best = 0;
    for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
  };
  // The pipeline's own teacher call (ours or a user's model), one image, BN in eval mode.
  const o = await teacherBatchOutputs(teacher, pixels, shape, stats, 'eval', {
    signs: true,
    logits: true,
  });
  return {
    maps: o.signBits!.map((bits, i) => {
      const s = o.signShapes![i] as [number, number, number, number];
      return { bits: Uint8Array.from(unpackSigns(bits, s)), shape: s };
    }),
    pred: argmax(o.logits!),
    names: isForeignTeacher(teacher) ? [...teacher.taps] : teacher.tapNames,
  };
}

/**
 * Runs teacher and student (eval mode) on one test image and returns their sign maps per teacher
 * tap. The student's taps are paired with the teacher's as the run's AB stage paired them
 * (`pairedStudentTaps`), go through its connectors, and are resized to the teacher's height ×
 * width when those differ (`matchTapSize`), as in the AB loss.
 */
export async function computeBoundaries(
  cache: BoundaryCache,
  runId: string,
  cfg: RunConfig,
  studentDir: string,
  index: number,
): Promise<BoundaryView> {
  const { test, stats } = await cache.data(cfg);
  const teacher = await cache.teacher(runId, cfg);
  const { model: student, extra } = await cache.student(studentDir);
  const { height: h, width: w, channels: c } = test;
  const size = h * w * c;
  const pixels = test.images.slice(index * size, (index + 1) * size);
  const t = await teacherSigns(teacher, pixels, [1, h, w, c], stats);
  const tw = t.maps.map((m) => m.shape[3]);
  const picked = pairedStudentTaps(cfg, teacher, t.maps.length);
  const sw = picked ? picked.map((i) => student.tapWidths[i]) : student.tapWidths;
  const hasConn = [...extra.keys()].some((k) => k.startsWith('extra/conn'));
  let conns: Connectors | undefined;
  if (hasConn) {
    conns = new Connectors(sw, tw);
    assignState(conns, extra, studentDir, 'extra/');
  }
  const shown = (i: number): boolean => !!conns || tw[i] === sw[i];
  let studentMaps: Array<Uint8Array | undefined> = [];
  /** The student's own height × width per pair, where it differs from the teacher's. */
  let resizedFrom: Array<string | undefined> = [];
  let studentPred = -1;
  try {
    tf.tidy(() => {
      const x = imagesToTensor(pixels, 1, h, w, c, stats);
      const s = student.forward(x, { training: false });
      const taps = picked ? picked.map((i) => s.taps[i]) : s.taps;
      const rs = (conns ? conns.apply(taps, false) : taps).map((r, i) =>
        shown(i) ? matchTapSize(r, t.maps[i].shape) : r,
      );
      resizedFrom = taps.map((r, i) =>
        r.shape[1] !== t.maps[i].shape[1] || r.shape[2] !== t.maps[i].shape[2]
          ? `${r.shape[1]}×${r.shape[2]}`
          : undefined,
      );
      studentPred = tf.argMax(s.logits, 1).dataSync()[0];
      studentMaps = rs.map((r, i) =>
        shown(i) ? Uint8Array.from(r.dataSync(), (v) => (v > 0 ? 1 : 0)) : undefined,
      );
    });
  } finally {
    conns?.dispose();
  }
  const taps: TapSigns[] = t.maps.map((m, i) => {
    const resized =
      studentMaps[i] && resizedFrom[i]
        ? `; resized bilinearly from the student's ${resizedFrom[i]} to ${m.shape[1]}×${m.shape[2]}`
        : '';
    return {
      name: t.names[i],
      height: m.shape[1],
      width: m.shape[2],
      channels: m.shape[3],
      teacher: m.bits,
      student: studentMaps[i],
      studentChannels: sw[i],
      via:
        (conns
          ? conns.identity[i]
            ? `identity connector (${sw[i]} = ${tw[i]} channels)`
            : `connector r: ${sw[i]} → ${tw[i]} channels (1×1 conv + BN)`
          : studentMaps[i]
            ? `no connector needed (${sw[i]} channels on both sides)`
            : `not shown: the student has ${sw[i]} channels, the teacher ${tw[i]}, and this checkpoint has no connector (pick the AB stage's)`) +
        resized +
        (picked ? `; student tap ${picked[i] + 1}` : ''),
    };
  });
  return {
    index,
    label: test.labels[index],
    classNames: test.classNames,
    image: { height: h, width: w, channels: c, pixels },
    teacherPred: t.pred,
    studentPred,
    taps,
    studentKey: studentDir,
  };
}
