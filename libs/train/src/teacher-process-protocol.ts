import type { ChannelStats, ImageSet } from '@abd/data';
import type { AugmentSpec } from './batch-source';

/** What the teacher process needs to make a run's batches and run its teacher on them. */
export interface TeacherProcessInit {
  t: 'init';
  set: ImageSet;
  indices: Int32Array;
  stats: ChannelStats;
  batchSize: number;
  seed: number;
  augment: AugmentSpec | null;
  teacherBnMode?: 'eval' | 'train';
  keepSignsBelowEpoch?: number;
  /** The teacher WRN as checkpoint bytes (abd-checkpoint/v1): the same weights, bit for bit. */
  checkpoint: { json: string; weights: Uint8Array };
}

/** Parent → teacher process. A stream sends at most `window` batches ahead of the credits it got. */
export type ToTeacher =
  | TeacherProcessInit
  | {
      t: 'epoch';
      id: number;
      epoch: number;
      signs: boolean;
      logits: boolean;
      startBatch: number;
      window: number;
    }
  | { t: 'credit'; id: number }
  | { t: 'cancel'; id: number };

/** Teacher process → parent. Sign maps travel packed (1 bit per neuron, packSigns). */
export type FromTeacher =
  | { t: 'ready'; threads: number }
  | {
      t: 'batch';
      id: number;
      index: number;
      signs?: Uint8Array[];
      signShapes?: number[][];
      logits?: Float32Array;
    }
  | { t: 'end'; id: number }
  | { t: 'error'; id?: number; message: string; stack?: string };
