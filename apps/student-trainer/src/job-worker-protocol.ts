import type { TrainEvent } from '@abd/train';
import type { JobWorkResult } from './job-work';

/** Trainer → job worker: the job (Job.toJSON), then perhaps a cancel. */
export type ToWorker = { t: 'run'; job: unknown } | { t: 'cancel' };

/** Job worker → trainer: the epochs it will report, its events, then one outcome. */
export type FromWorker =
  | { t: 'start'; totalEpochs: number }
  | { t: 'event'; e: TrainEvent }
  | { t: 'done'; result: JobWorkResult }
  | { t: 'error'; message: string; stack?: string };
