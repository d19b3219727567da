import { status } from '@grpc/grpc-js';
import { teacherInference } from '@abd/proto';
import type { BatcherEvents } from './batch-request';
import { foreignForward, type LoadedForeignTeacher } from './foreign-teachers';
import { inferResponse } from './infer';

/**
 * One Infer request on a foreign teacher: its own forward pass (not merged with others: the
 * batch a sign map comes from is then the caller's, as in-process), reported to the same
 * metrics as the batcher's passes.
 */
export async function foreignSubmit(
  t: LoadedForeignTeacher,
  req: teacherInference.InferRequest,
  n: number,
  taps: string[],
  signal: AbortSignal,
  events: BatcherEvents,
): Promise<teacherInference.InferResponse> {
  const t0 = performance.now();
  let code = status.OK;
  try {
    signal.throwIfAborted();
    const f = await foreignForward(t, req.images!.data, n, taps, {
      bnTrain: req.batchNormTrainMode,
      logits: req.logits,
      raw: req.rawPreactivations,
      features: [],
    });
    events.onBatch?.(n, 1, (performance.now() - t0) / 1000);
    return inferResponse(req, f);
  } catch (e) {
    code = (e as { code?: number }).code ?? status.INTERNAL;
    throw e;
  } finally {
    events.onDone?.((performance.now() - t0) / 1000, code);
  }
}

/** Describe of a foreign teacher: its format as the family, taps and shapes, the run's data. */
export function describeForeign(
  t: LoadedForeignTeacher,
  epoch: number,
): teacherInference.ModelDescription {
  return {
    model: { id: t.id, epoch },
    arch: {
      family: t.teacher.format,
      depth: 0,
      widen: 0,
      numClasses: t.classes.length,
      init: '',
      seed: undefined,
    },
    dataset: { name: t.dataset },
    inputShape: [...t.inputShape],
    taps: [...t.tapShapes].map(([name, shape]) => ({ name, shape: [...shape] })),
    classes: t.classes,
    // A user's model has its taps only, not our WRN's named feature points.
    featurePoints: [],
    testErrorPercent: 0,
    testErrorKnown: false,
    parameters: 0,
  };
}
