import { createHash } from 'node:crypto';
import type { ImageSet } from '@abd/data';
import { Wrn } from '@abd/models';
import type { TeacherModel } from './teacher-model';

const hex = (h: ReturnType<typeof createHash>) => h.digest('hex').slice(0, 32);

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Hash of everything a WRN's outputs depend on: its architecture and every parameter and BN
 * running statistic (names, shapes, float32 values). Two loads of one checkpoint hash alike; a
 * single changed weight does not.
 */
export function wrnWeightsHash(model: Wrn): string {
  const h = createHash('sha256').update(JSON.stringify(model.config));
  for (const [kind, vars] of [
    ['param', model.params],
    ['stat', model.stats],
  ] as const) {
    for (const [name, v] of vars) {
      h.update(`${kind}:${name}:${v.shape.join('x')};`);
      h.update(bytesOf(v.dataSync() as Float32Array));
    }
  }
  return hex(h);
}

const foreignIds = new WeakMap<object, string>();
let nextForeign = 0;

/**
 * A teacher's identity for the output cache: the weights hash of our WRN; for a foreign model
 * (ONNX, tfjs) the identity its loader gives, else one unique to this loaded instance (outputs
 * are then shared only among the users of that instance).
 */
export function teacherIdentity(teacher: TeacherModel, given?: string): string {
  if (given) return given;
  if (teacher instanceof Wrn) return `wrn:${wrnWeightsHash(teacher)}`;
  let id = foreignIds.get(teacher);
  if (!id) {
    id = `instance:${process.pid}:${nextForeign++}`;
    foreignIds.set(teacher, id);
  }
  return id;
}

const setHashes = new WeakMap<ImageSet, string>();

/** Hash of a dataset split's contents (images, labels, shape); once per loaded set. */
export function datasetHash(set: ImageSet): string {
  let k = setHashes.get(set);
  if (!k) {
    k = hex(
      createHash('sha256')
        .update(`${set.name}:${set.split}:${set.n}x${set.height}x${set.width}x${set.channels};`)
        .update(set.images)
        .update(set.labels),
    );
    setHashes.set(set, k);
  }
  return k;
}

/** Hash of the dataset indices a run draws its batches from (covers the subset's size and seed). */
export function indicesHash(indices: Int32Array): string {
  return hex(createHash('sha256').update(bytesOf(indices)));
}
