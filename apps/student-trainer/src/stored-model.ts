import { ArtifactStore, NotFoundError as StoreNotFound } from '@abd/artifacts';
import { datasetInfo } from '@abd/data';
import { InvalidArgumentError, NotFoundError, validateName } from '@abd/grpc-kit';
import type { common } from '@abd/proto';

/** A model in the store as a job refers to it, with what its model.json says about it. */
export interface StoredModel {
  id: string;
  epoch: number;
  /** Store directory: `models/<id>`, or `models/<id>/epoch-NNNN` for an epoch (as teacher-inference reads it). */
  key: string;
  arch: string;
  inChannels: number;
  numClasses: number;
  /** Dataset it was trained on, when its metadata says. */
  dataset?: string;
}

interface ModelJson {
  modelTopology: {
    config: { depth: number; widen: number; inChannels: number; numClasses: number };
  };
  metadata?: { dataset?: string; config?: { dataset?: { name?: string } } };
}

export function modelKey(id: string, epoch: number): string {
  return epoch > 0 ? `models/${id}/epoch-${String(epoch).padStart(4, '0')}` : `models/${id}`;
}

/** Reads `ref`'s model.json: INVALID_ARGUMENT for a bad id (naming `<field>.id`), NOT_FOUND when absent. */
export async function storedModel(
  store: ArtifactStore,
  ref: common.ModelRef | undefined,
  field: string,
): Promise<StoredModel> {
  const id = validateName(`${field}.id`, ref?.id ?? '');
  const epoch = ref?.epoch ?? 0;
  const key = modelKey(id, epoch);
  let json: ModelJson;
  try {
    json = await store.getJson<ModelJson>(`${key}/model.json`);
  } catch (e) {
    if (e instanceof StoreNotFound)
      throw new NotFoundError(
        `model '${id}'${epoch ? ` epoch ${epoch}` : ''} not found (no ${key}/model.json in the store)`,
      );
    throw e;
  }
  const c = json.modelTopology.config;
  const dataset = json.metadata?.dataset ?? json.metadata?.config?.dataset?.name;
  return {
    id,
    epoch,
    key,
    arch: `wrn-${c.depth}-${c.widen}`,
    inChannels: c.inChannels,
    numClasses: c.numClasses,
    dataset,
  };
}

/** A model used on `dataset` must take its images and predict its classes. */
export function checkFitsDataset(m: StoredModel, dataset: string, field: string): void {
  const info = datasetInfo(dataset);
  if (m.inChannels !== info.channels || m.numClasses !== info.classes) {
    throw new InvalidArgumentError(
      field,
      `model '${m.id}' takes ${m.inChannels} channel(s) and predicts ${m.numClasses} classes; ${dataset} has ${info.channels} and ${info.classes}`,
    );
  }
}

/** A run job's stored teacher (`spec.run.teacher`): run jobs take its final checkpoint only. */
export async function storedRunTeacher(
  store: ArtifactStore,
  ref: common.ModelRef,
): Promise<StoredModel> {
  if (ref.epoch)
    throw new InvalidArgumentError(
      'spec.run.teacher.epoch',
      'run jobs take the final checkpoint (0)',
    );
  return storedModel(store, ref, 'spec.run.teacher');
}
