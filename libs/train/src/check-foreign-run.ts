import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataError } from '@abd/data';
import { TeacherFormatError } from '@abd/models';
import { loadRunForeignTeacher } from './foreign-run-teacher';
import { loadConfiguredDataset } from './load-configured-dataset';
import { preflightRun } from './preflight';
import type { RunConfig } from './run-config';
import { runStudentOf } from './run-models';
import { ConfigError } from './schema';

/** The config field a loader's error is about: `taps` when it names one of them, else `path`. */
function fieldOf(what: 'teacher' | 'student', taps: readonly string[], e: Error): string {
  return taps.some((t) => e.message.includes(`'${t}'`)) ? `${what}.taps` : `${what}.path`;
}

/**
 * The checks of a run on a user's own files (dataset.format, teacher.format, student.format)
 * that need them read, made with the pipeline's own loaders before any training: every path
 * exists (preflightRun), the dataset reads (loadConfiguredDataset), the teacher loads with its
 * taps and fits the data (loadRunForeignTeacher, probed on one image), the student architecture
 * loads with its taps. Throws a ConfigError naming the field. Relative paths are
 * relative to the current directory, as the pipeline reads them.
 */
export async function checkForeignRun(cfg: RunConfig): Promise<void> {
  if (!cfg.dataset.format && !cfg.teacher.format && !cfg.student.format) return;
  await preflightRun(cfg);
  // Model files first: the cheap check before the dataset is read.
  for (const who of ['teacher', 'student'] as const) {
    const p = cfg[who].format ? cfg[who].path : undefined;
    if (p !== undefined && !existsSync(resolve(p)))
      throw new ConfigError(`${who}.path`, `'${who}.path': file not found: ${resolve(p)}`);
  }
  const data = await loadConfiguredDataset(cfg.dataset).catch((e: Error) => {
    throw e instanceof DataError ? new ConfigError('dataset.path', e.message) : e;
  });
  if (cfg.teacher.format) {
    const f = await loadRunForeignTeacher(cfg, data.train, data.stats).catch((e: Error) => {
      throw e instanceof TeacherFormatError
        ? new ConfigError(fieldOf('teacher', cfg.teacher.taps!, e), e.message)
        : e;
    });
    f.teacher.dispose();
  }
  if (cfg.student.format) {
    const d = { ...data, indices: new Int32Array(0) };
    const s = await runStudentOf(cfg, d).catch((e: Error) => {
      throw new ConfigError(fieldOf('student', cfg.student.taps!, e), e.message);
    });
    s.dispose();
  }
}
