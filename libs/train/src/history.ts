import { ArtifactStore, NotFoundError } from '@abd/artifacts';
import { TrainEvent } from './events';

export type EpochEvent = Extract<TrainEvent, { type: 'epoch' }>;

/** Key of a stage's per-epoch metrics: `<prefix>/history.json`, an array of its epoch events. */
export const historyKey = (prefix: string): string => `${prefix}/history.json`;

/**
 * The epoch events a stage has saved for epochs before `beforeEpoch` ([] when none). The store
 * has no append, so the whole history is rewritten after every epoch; on resume, events of
 * epochs the checkpoint does not cover (written just before a crash) are dropped.
 */
export async function readHistory(
  store: ArtifactStore,
  prefix: string,
  beforeEpoch: number,
): Promise<EpochEvent[]> {
  try {
    const saved = await store.getJson<EpochEvent[]>(historyKey(prefix));
    return Array.isArray(saved) ? saved.filter((e) => e.epoch < beforeEpoch) : [];
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
}
