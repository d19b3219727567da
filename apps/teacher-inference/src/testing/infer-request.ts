// The Infer request the tests send: one batch of images (28×28×1 unless said) for teacher-a,
// logits on; and the tests' batches of consecutive training images.
import { makeBatch, type ImageSet } from '@abd/data';
import type { teacherInference } from '@abd/proto';

export function inferRequest(
  b: { images: Uint8Array; n: number; hwc?: [number, number, number] },
  id: number,
  extra: Partial<teacherInference.InferRequest> = {},
): teacherInference.InferRequest {
  const [h, w, c] = b.hwc ?? [28, 28, 1];
  return {
    teacher: { id: 'teacher-a', epoch: 0 },
    requestId: id,
    images: { data: Buffer.from(b.images), shape: [b.n, h, w, c], labels: [], indices: [] },
    taps: [],
    rawPreactivations: false,
    logits: true,
    batchNormTrainMode: false,
    features: [],
    omitSignMaps: false,
    ...extra,
  };
}

/** `count` batches of `size` consecutive images of `set` (batch b: images b·size …). */
export function consecutiveBatches(set: ImageSet, count: number, size: number) {
  return Array.from({ length: count }, (_, b) =>
    makeBatch(
      set,
      Int32Array.from({ length: size }, (_, i) => b * size + i),
    ),
  );
}
