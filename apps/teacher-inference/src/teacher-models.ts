import * as tf from '@tensorflow/tfjs-core';
import { ArtifactStore, NotFoundError as StoreNotFound } from '@abd/artifacts';
import { channelStats, ChannelStats, datasetInfo, DatasetName, loadDataset } from '@abd/data';
import { NotFoundError, validateName } from '@abd/grpc-kit';
import { Wrn } from '@abd/models';
import { getCheckpoint, GROUP_POINTS, storedForeignTeacherDescriptor } from '@abd/train';
import { loadForeignTeacherModel, type LoadedForeignTeacher } from './foreign-teachers';

/** What a request is checked against, for any teacher a replica serves. */
export interface ServedTeacherShape {
  id: string;
  key: string;
  stats: ChannelStats;
  dataset: string;
  /** [h, w, c] of one input image. */
  inputShape: [number, number, number];
  /** Per tap, [h, w, c] of one image's tapped value (NHWC; our WRN's: the pre-activation). */
  tapShapes: Map<string, [number, number, number]>;
  /**
   * Per point InferRequest.features can name (taps, then group maps), [h, w, c] of one image;
   * none for a user's model (its taps only: features[] is INVALID_ARGUMENT).
   */
  featureShapes: Map<string, [number, number, number]>;
  classes: string[];
}

/** One of our WRN checkpoints loaded from the store. */
export interface LoadedTeacher extends ServedTeacherShape {
  model: Wrn;
  testErrorPct?: number;
}

/** What a replica serves: one of our WRN checkpoints, or a user's teacher published to the store. */
export type ServedTeacher = LoadedTeacher | LoadedForeignTeacher;

export const isForeignServed = (t: ServedTeacher): t is LoadedForeignTeacher =>
  'kind' in t && t.kind === 'foreign';

/** Store directory of a model: `models/<id>`, or `models/<id>/epoch-NNNN` for an epoch. */
export function modelKey(id: string, epoch = 0, field = 'model.id'): string {
  validateName(field, id);
  return epoch > 0 ? `models/${id}/epoch-${String(epoch).padStart(4, '0')}` : `models/${id}`;
}

/** Loads checkpoints once per (id, epoch) and keeps them; concurrent loads share one promise. */
export class TeacherModels {
  private readonly cache = new Map<string, Promise<LoadedTeacher>>();
  private readonly served = new Map<string, Promise<ServedTeacher>>();

  constructor(private readonly store: ArtifactStore) {}

  get(id: string, epoch = 0, field = 'teacher.id'): Promise<LoadedTeacher> {
    const key = modelKey(id, epoch, field);
    let p = this.cache.get(key);
    if (!p) {
      p = this.load(id, key);
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  /** The model at `models/<id>` as served: a foreign teacher when it has a descriptor, else a checkpoint (get). */
  serve(id: string, epoch = 0, field = 'teacher.id'): Promise<ServedTeacher> {
    const key = modelKey(id, epoch, field);
    let p = this.served.get(key);
    if (!p) {
      p = storedForeignTeacherDescriptor(this.store, key).then((d): Promise<ServedTeacher> =>
        d ? loadForeignTeacherModel(this.store, id, key, d) : this.get(id, epoch, field),
      );
      this.served.set(key, p);
      p.catch(() => this.served.delete(key));
    }
    return p;
  }

  private async load(id: string, key: string): Promise<LoadedTeacher> {
    let ck;
    try {
      ck = await getCheckpoint(this.store, key);
    } catch (e) {
      if (e instanceof StoreNotFound)
        throw new NotFoundError(`model '${id}' not found (no ${key}/model.json in the store)`);
      throw e;
    }
    for (const t of ck.extra.values()) t.dispose();
    const meta = ck.json.metadata as {
      dataset?: string;
      normalization?: ChannelStats;
      testErrorPct?: number;
      config?: { dataset?: { name?: string } };
    };
    const dataset = meta.dataset ?? meta.config?.dataset?.name ?? 'fashion-mnist';
    const info = datasetInfo(dataset);
    // Normalization the teacher was trained with; else the statistics of its training split
    // (what the in-process pipeline uses).
    const stats =
      meta.normalization ?? channelStats(await loadDataset(dataset as DatasetName, 'train'));
    const inputShape: [number, number, number] = [
      info.height,
      info.width,
      ck.model.config.inChannels,
    ];
    const tapShapes = new Map<string, [number, number, number]>();
    const featureShapes = new Map<string, [number, number, number]>();
    tf.tidy(() => {
      const out = ck.model.forward(tf.zeros([1, ...inputShape]) as tf.Tensor4D, {
        training: false,
        groupMaps: true,
      });
      const hwc = (t: tf.Tensor4D): [number, number, number] => [
        t.shape[1],
        t.shape[2],
        t.shape[3],
      ];
      out.taps.forEach((t, i) => tapShapes.set(ck.model.tapNames[i], hwc(t)));
      for (const [k, v] of tapShapes) featureShapes.set(k, v);
      out.groups!.forEach((t, i) => featureShapes.set(GROUP_POINTS[i], hwc(t)));
    });
    return {
      id,
      key,
      model: ck.model,
      stats,
      dataset,
      inputShape,
      tapShapes,
      featureShapes,
      classes: info.classNames,
      testErrorPct: meta.testErrorPct,
    };
  }

  dispose(): void {
    for (const p of this.cache.values())
      p.then(
        (t) => t.model.dispose(),
        () => {},
      );
    this.cache.clear();
    for (const p of this.served.values())
      p.then(
        (t) => (isForeignServed(t) ? t.teacher.dispose() : undefined),
        () => {},
      );
    this.served.clear();
  }
}
