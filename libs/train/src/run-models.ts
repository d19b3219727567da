import { resolve } from 'node:path';
import { ArtifactStore } from '@abd/artifacts';
import { loadTfjsStudentArch, Student, studentOf } from '@abd/models';
import { loadRunForeignTeacher } from './foreign-run-teacher';
import type { RunData } from './run-data';
import { RunConfig } from './run-config';
import { StageIo } from './stage-loop';
import { loadTeacher, trainTeacher } from './teacher';
import { TeacherModel } from './teacher-model';

/** A run's teacher, the channels of its taps (for the connectors) and where it came from. */
export interface RunTeacher {
  model: TeacherModel;
  widths: number[];
  source: string;
  cancelled: boolean;
}

/**
 * The teacher of a run: a teacher file (probed on one image for its tap shapes), a checkpoint
 * (on disk relative to `baseDir`, or in the store), or trained now under `<prefix>/teacher`.
 */
export async function runTeacherOf(
  cfg: RunConfig,
  d: RunData,
  store: ArtifactStore,
  prefix: string,
  io: StageIo,
  baseDir?: string,
): Promise<RunTeacher> {
  if (cfg.teacher.format) {
    const f = await loadRunForeignTeacher(cfg, d.train, d.stats);
    return {
      model: f.teacher,
      widths: f.tapShapes.map((s) => s[3]),
      source: `${cfg.teacher.format} ${cfg.teacher.path} (taps ${cfg.teacher.taps!.join(', ')})`,
      cancelled: false,
    };
  }
  if (cfg.teacher.checkpoint) {
    const model = await loadTeacher(cfg.teacher.checkpoint, store, baseDir);
    return { model, widths: model.tapWidths, source: cfg.teacher.checkpoint, cancelled: false };
  }
  const t = await trainTeacher(cfg, d.train, d.test, d.stats, store, `${prefix}/teacher`, io);
  return {
    model: t.model,
    widths: t.model.tapWidths,
    source: `${store.url}/${prefix}/teacher`,
    cancelled: t.cancelled,
  };
}

/** A fresh student of the run's seed: a built-in family by name, or a tfjs-layers architecture file checked against the data. */
export async function runStudentOf(cfg: RunConfig, d: RunData): Promise<Student> {
  const s = cfg.student;
  const { height, width, channels, classes } = d.train;
  if (s.format)
    return loadTfjsStudentArch(resolve(s.path!), s.taps!, s.seed, {
      height,
      width,
      channels,
      classes,
    });
  return studentOf(s.arch, channels, classes, s.init, s.seed);
}
