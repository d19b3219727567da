// The Infer request the tests send: one batch of 28×28×1 images for teacher-a, logits on.
import type { teacherInference } from '@abd/proto';

export function inferRequest(
  b: { images: Uint8Array; n: number },
  id: number,
  extra: Partial<teacherInference.InferRequest> = {},
): teacherInference.InferRequest {
  return {
    teacher: { id: 'teacher-a', epoch: 0 },
    requestId: id,
    images: { data: Buffer.from(b.images), shape: [b.n, 28, 28, 1], labels: [], indices: [] },
    taps: [],
    rawPreactivations: false,
    logits: true,
    batchNormTrainMode: false,
    features: [],
    omitSignMaps: false,
    ...extra,
  };
}
