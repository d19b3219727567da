import { DataError } from '@abd/data';
import { TeacherFormatError } from '@abd/models';
import { loadRunForeignTeacher } from './foreign-run-teacher';
import { loadConfiguredDataset } from './load-configured-dataset';
import { preflightRun } from './preflight';
import type { RunConfig } from './run-config';
import { runStudentOf } from './run-models';
import { ConfigError } from './schema';

/** The config field a loader's error is about. */
function fieldOf(what: 'teacher' | 'student', e: Error): string {
  return /\btaps?\b/.test(e.message) ? `${what}.taps` : `${what}.path`;
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
  const data = await loadConfiguredDataset(cfg.dataset).catch((e: Error) => {
    throw e instanceof DataError ? new ConfigError('dataset.path', e.message) : e;
  });
  if (cfg.teacher.format) {
    const f = await loadRunForeignTeacher(cfg, data.train, data.stats).catch((e: Error) => {
      throw e instanceof TeacherFormatError ? new ConfigError(fieldOf('teacher', e), e.message) : e;
    });
    f.teacher.dispose();
  }
  if (cfg.student.format) {
    const d = { ...data, indices: new Int32Array(0) };
    const s = await runStudentOf(cfg, d).catch((e: Error) => {
      throw new ConfigError(fieldOf('student', e), e.message);
    });
    s.dispose();
  }
}
