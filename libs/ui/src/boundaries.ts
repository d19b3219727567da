import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArtifactStore, validateKey } from '@abd/artifacts';
import { channelStats, ChannelStats, DatasetName, ImageSet, loadDataset } from '@abd/data';
import { assignState, Connectors, Wrn } from '@abd/models';
import { checkpointRef, getCheckpoint, imagesToTensor, loadTeacher, RunConfig } from '@abd/train';
import { tryJson } from './store-view';

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

/** Loaded datasets, statistics and models, kept across requests (small LRU for the models). */
export class BoundaryCache {
  private readonly sets = new Map<string, Promise<{ test: ImageSet; stats: ChannelStats }>>();
  private readonly models = new Map<string, { model: Wrn; extra: Map<string, tf.Tensor> }>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly repoRoot: string,
    private readonly maxModels = 6,
  ) {}

  /** The run's test set and the normalization the run used (mean/std of its whole training split). */
  data(cfg: RunConfig): Promise<{ test: ImageSet; stats: ChannelStats }> {
    const key = `${cfg.dataset.name}|${cfg.dataset.dir ?? ''}`;
    if (!this.sets.has(key)) {
      const opts = cfg.dataset.dir ? { dir: cfg.dataset.dir } : {};
      const name = cfg.dataset.name as DatasetName;
      const p = Promise.all([
        loadDataset(name, 'train', opts),
        loadDataset(name, 'test', opts),
      ]).then(([train, test]) => ({ test, stats: channelStats(train) }));
      p.catch(() => this.sets.delete(key));
      this.sets.set(key, p);
    }
    return this.sets.get(key)!;
  }

  private remember(key: string, entry: { model: Wrn; extra: Map<string, tf.Tensor> }) {
    this.models.set(key, entry);
    while (this.models.size > this.maxModels) {
      const [oldest, e] = this.models.entries().next().value as [
        string,
        { model: Wrn; extra: Map<string, tf.Tensor> },
      ];
      this.models.delete(oldest);
      e.model.dispose();
      for (const t of e.extra.values()) t.dispose();
    }
  }

  /** A run's teacher: `config.teacher.checkpoint` (`builtin:<name>`, a directory — older runs' relative to the repo root — or a store key), else `runs/<id>/teacher`. */
  async teacher(runId: string, cfg: RunConfig): Promise<Wrn> {
    const ref = cfg.teacher.checkpoint ?? `runs/${runId}/teacher`;
    const key = `teacher:${ref}`;
    const hit = this.models.get(key);
    if (hit) return hit.model;
    const where = checkpointRef(ref, this.repoRoot);
    const onDisk = where.kind === 'disk' && existsSync(resolve(where.dir, 'model.json'));
    if (!onDisk) validateKey(ref);
    const model = await loadTeacher(ref, this.store, this.repoRoot);
    this.remember(key, { model, extra: new Map() });
    return model;
  }

  async student(dir: string): Promise<{ model: Wrn; extra: Map<string, tf.Tensor> }> {
    const key = `student:${dir}`;
    const hit = this.models.get(key);
    if (hit) return hit;
    const loaded = await getCheckpoint(this.store, validateKey(dir));
    const keep = new Map<string, tf.Tensor>();
    for (const [k, t] of loaded.extra) k.startsWith('extra/conn') ? keep.set(k, t) : t.dispose();
    const entry = { model: loaded.model, extra: keep };
    this.remember(key, entry);
    return entry;
  }

  dispose(): void {
    for (const e of this.models.values()) {
      e.model.dispose();
      for (const t of e.extra.values()) t.dispose();
    }
    this.models.clear();
  }
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

/** Runs teacher and student (eval mode) on one test image and returns their sign maps per tap. */
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
  const hasConn = [...extra.keys()].some((k) => k.startsWith('extra/conn'));
  let conns: Connectors | undefined;
  if (hasConn) {
    conns = new Connectors(student.tapWidths, teacher.tapWidths);
    assignState(conns, extra, studentDir, 'extra/');
  }
  const tw = teacher.tapWidths;
  const sw = student.tapWidths;
  const maps: Array<{ t: Uint8Array; s?: Uint8Array; shape: number[] }> = [];
  let teacherPred = -1;
  let studentPred = -1;
  try {
    tf.tidy(() => {
      const x = imagesToTensor(pixels, 1, h, w, c, stats);
      const t = teacher.forward(x, { training: false });
      const s = student.forward(x, { training: false });
      const rs = conns ? conns.apply(s.taps, false) : s.taps;
      teacherPred = tf.argMax(t.logits, 1).dataSync()[0];
      studentPred = tf.argMax(s.logits, 1).dataSync()[0];
      t.taps.forEach((tap, i) => {
        const shown = conns || tw[i] === sw[i];
        maps.push({
          t: Uint8Array.from(tap.dataSync(), (v) => (v > 0 ? 1 : 0)),
          s: shown ? Uint8Array.from(rs[i].dataSync(), (v) => (v > 0 ? 1 : 0)) : undefined,
          shape: tap.shape,
        });
      });
    });
  } finally {
    conns?.dispose();
  }
  const taps: TapSigns[] = maps.map((m, i) => ({
    name: teacher.tapNames[i],
    height: m.shape[1],
    width: m.shape[2],
    channels: m.shape[3],
    teacher: m.t,
    student: m.s,
    studentChannels: sw[i],
    via: conns
      ? conns.identity[i]
        ? `identity connector (${sw[i]} = ${tw[i]} channels)`
        : `connector r: ${sw[i]} → ${tw[i]} channels (1×1 conv + BN)`
      : m.s
        ? `no connector needed (${sw[i]} channels on both sides)`
        : `not shown: the student has ${sw[i]} channels, the teacher ${tw[i]}, and this checkpoint has no connector (pick the AB stage's)`,
  }));
  return {
    index,
    label: test.labels[index],
    classNames: test.classNames,
    image: { height: h, width: w, channels: c, pixels },
    teacherPred,
    studentPred,
    taps,
    studentKey: studentDir,
  };
}
