import type { ArtifactStore } from '@abd/artifacts';
import { InvalidArgumentError } from '@abd/grpc-kit';
import type { ForeignTeacher } from '@abd/models';
import {
  foreignTeacherOutputs,
  loadStoredForeignTeacher,
  type ForeignTeacherDescriptor,
} from '@abd/train';
import type { ForwardOptions, TeacherForward } from './infer';
import type { ServedTeacherShape } from './teacher-models';

/**
 * A user's teacher (ONNX, tfjs LayersModel / GraphModel) published to the store with its taps and
 * the run's data statistics (`models/<id>/foreign-teacher.json`), with what a request is checked against.
 */
export interface LoadedForeignTeacher extends ServedTeacherShape {
  kind: 'foreign';
  teacher: ForeignTeacher;
  descriptor: ForeignTeacherDescriptor;
}

/** Loads a published foreign teacher with libs/train's loader and probes its tap shapes on one image. */
export async function loadForeignTeacherModel(
  store: ArtifactStore,
  id: string,
  key: string,
  d: ForeignTeacherDescriptor,
): Promise<LoadedForeignTeacher> {
  const teacher = await loadStoredForeignTeacher(store, key, d);
  try {
    const [h, w, c] = d.inputShape;
    const out = await teacher.run(new Float32Array(h * w * c), [1, h, w, c]);
    const tapShapes = new Map<string, [number, number, number]>();
    for (const tap of teacher.taps) {
      const s = out.taps[tap].shape;
      if (s.length !== 4)
        throw new Error(`model '${id}': tap '${tap}' has shape [${s}], not a 4-D map`);
      tapShapes.set(tap, [s[1], s[2], s[3]]);
    }
    return {
      kind: 'foreign',
      id,
      key,
      teacher,
      descriptor: d,
      stats: d.normalization,
      dataset: d.dataset,
      inputShape: [h, w, c],
      tapShapes,
      featureShapes: new Map(),
      classes: d.classes,
    };
  } catch (e) {
    teacher.dispose();
    throw e;
  }
}

/**
 * One request's forward pass through a foreign teacher: libs/train's foreignTeacherOutputs (the
 * in-process batch source's code: the run's normalization, then the model), the requested taps'
 * signs packed one bit per neuron. Such a model runs as exported, so batch-norm is eval only.
 */
export async function foreignForward(
  t: LoadedForeignTeacher,
  images: Uint8Array,
  n: number,
  taps: readonly string[],
  o: ForwardOptions,
): Promise<TeacherForward> {
  if (o.bnTrain)
    throw new InvalidArgumentError(
      'batch_norm_train_mode',
      `model '${t.id}' is a ${t.teacher.format} teacher, which runs as exported (eval batch-norm only)`,
    );
  const [h, w, c] = t.inputShape;
  const out = await foreignTeacherOutputs(t.teacher, images, [n, h, w, c], t.stats, {
    signs: true,
    logits: o.logits,
    values: o.raw,
  });
  const res: TeacherForward = { taps: [], features: [] };
  for (const tap of taps) {
    const i = t.teacher.taps.indexOf(tap);
    const shape = out.signShapes![i] as [number, number, number, number];
    res.taps.push({
      tap,
      shape,
      // ρ(T) packed 1 bit per neuron, as the pipeline's batches carry it.
      bits: out.signBits![i],
      values: o.raw ? out.values![i] : undefined,
    });
  }
  if (o.logits) res.logits = { values: out.logits!, shape: [n, out.logits!.length / n] };
  return res;
}
