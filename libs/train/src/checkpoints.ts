import * as tf from '@tensorflow/tfjs-core';
import { ArtifactStore, NotFoundError } from '@abd/artifacts';
import {
  CheckpointJson,
  loadAnyStudentCheckpoint,
  loadWrn,
  LoadedWrn,
  saveStudent,
  Student,
} from '@abd/models';

/** A loaded stage or final checkpoint of any student. */
export interface LoadedStudentCheckpoint {
  model: Student;
  json: CheckpointJson;
  extra: Map<string, tf.Tensor>;
}

/** Code version recorded in every checkpoint. */
export const CODE_VERSION = '0.1.0';

export interface LatestPointer {
  dir: string;
  epoch: number;
  nextBatch: number;
  /** True when the epoch is unfinished: resume at `nextBatch` of `epoch` (also when it is 0). */
  partial?: boolean;
  savedAt: string;
}

/**
 * Writes `<dir>/weights.bin` then `<dir>/model.json`, each atomically; the JSON carries the
 * weights' SHA-256, so a crash between the two never yields a checkpoint that loads.
 */
export async function putCheckpoint(
  store: ArtifactStore,
  dir: string,
  model: Student,
  metadata: Record<string, unknown>,
  extra: Map<string, tf.Tensor> = new Map(),
): Promise<void> {
  const ser = await saveStudent(model, { codeVersion: CODE_VERSION, ...metadata }, extra);
  await store.put(`${dir}/weights.bin`, ser.weights);
  await store.putJson(`${dir}/model.json`, ser.json);
}

/** Loads and verifies a WRN checkpoint written by putCheckpoint (a teacher, a WRN student). */
export async function getCheckpoint(store: ArtifactStore, dir: string): Promise<LoadedWrn> {
  return loadWrn(...(await checkpointFiles(store, dir)));
}

/** Loads and verifies a checkpoint of either student family written by putCheckpoint. */
export async function getStudentCheckpoint(
  store: ArtifactStore,
  dir: string,
): Promise<LoadedStudentCheckpoint> {
  return loadAnyStudentCheckpoint(...(await checkpointFiles(store, dir)));
}

/** A checkpoint's model.json and weights.bin, with its URL (what the loaders name in their errors). */
async function checkpointFiles(
  store: ArtifactStore,
  dir: string,
): Promise<[json: string, weights: Uint8Array, source: string]> {
  const [json, weights] = await Promise.all([
    store.getText(`${dir}/model.json`),
    store.get(`${dir}/weights.bin`),
  ]);
  return [json, weights, `${store.url}/${dir}`];
}

/** Saves an epoch (or mid-epoch) checkpoint of a stage and then moves its `latest.json` to it. */
export async function putStageCheckpoint(
  store: ArtifactStore,
  prefix: string,
  model: Student,
  epoch: number,
  nextBatch: number,
  metadata: Record<string, unknown>,
  extra: Map<string, tf.Tensor>,
  partial = nextBatch > 0,
): Promise<string> {
  const dir = `${prefix}/epoch-${String(epoch).padStart(4, '0')}${partial ? `-batch-${nextBatch}` : ''}`;
  await putCheckpoint(store, dir, model, { ...metadata, epoch, nextBatch, partial }, extra);
  const latest: LatestPointer = {
    dir,
    epoch,
    nextBatch,
    partial,
    savedAt: new Date().toISOString(),
  };
  await store.putJson(`${prefix}/latest.json`, latest);
  return dir;
}

/** The stage's latest checkpoint, or null when it has none. */
export async function latestStageCheckpoint(
  store: ArtifactStore,
  prefix: string,
): Promise<(LoadedStudentCheckpoint & { pointer: LatestPointer }) | null> {
  let pointer: LatestPointer;
  try {
    pointer = await store.getJson<LatestPointer>(`${prefix}/latest.json`);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
  const loaded = await getStudentCheckpoint(store, pointer.dir);
  return { ...loaded, pointer };
}
