import { checkTapList, InvalidArgumentError, shownName } from '@abd/grpc-kit';
import type { teacherInference } from '@abd/proto';
import { imagesToTensor, teacherSignals } from '@abd/train';
import { floatTensor } from '@abd/train-io';
import type { LoadedTeacher } from './teacher-models';

/**
 * Checks a request's images, taps and feature points against the teacher; returns n, the taps
 * to answer with sign maps (none with omit_sign_maps) and the feature points.
 */
export function checkInfer(
  req: teacherInference.InferRequest,
  t: Pick<LoadedTeacher, 'id' | 'inputShape' | 'tapShapes' | 'featureShapes'>,
): { n: number; taps: string[]; features: string[] } {
  const img = req.images;
  if (!img) throw new InvalidArgumentError('images', 'is required');
  const [h, w, c] = t.inputShape;
  if (img.shape.length !== 4)
    throw new InvalidArgumentError('images.shape', `must be [n, h, w, c], got [${img.shape}]`);
  const [n, ih, iw, ic] = img.shape;
  if (n < 1) throw new InvalidArgumentError('images.shape', 'empty batch (n = 0)');
  if (ih !== h || iw !== w || ic !== c) {
    throw new InvalidArgumentError(
      'images.shape',
      `[${img.shape}] does not fit model '${t.id}' (input [n, ${h}, ${w}, ${c}])`,
    );
  }
  if (img.data.length !== n * h * w * c) {
    throw new InvalidArgumentError(
      'images.data',
      `has ${img.data.length} bytes, shape [${img.shape}] needs ${n * h * w * c}`,
    );
  }
  const taps = req.omitSignMaps ? [] : checkTaps(req, t);
  checkTapList('features', req.features);
  for (const [i, f] of req.features.entries()) {
    if (!t.featureShapes.has(f)) {
      throw new InvalidArgumentError(
        `features[${i}]`,
        `unknown point ${shownName(f)} of model '${t.id}' (points: ${[...t.featureShapes.keys()].join(', ')})`,
      );
    }
  }
  if (taps.length === 0 && req.features.length === 0 && !req.logits)
    throw new InvalidArgumentError(
      'omit_sign_maps',
      'the request asks for nothing (no sign maps, features or logits)',
    );
  return { n, taps, features: [...req.features] };
}

function checkTaps(
  req: teacherInference.InferRequest,
  t: Pick<LoadedTeacher, 'id' | 'tapShapes'>,
): string[] {
  checkTapList('taps', req.taps);
  const taps = req.taps.length > 0 ? req.taps : [...t.tapShapes.keys()];
  for (const [i, tap] of taps.entries()) {
    if (!t.tapShapes.has(tap)) {
      throw new InvalidArgumentError(
        `taps[${i}]`,
        `unknown tap ${shownName(tap)} of model '${t.id}' (taps: ${[...t.tapShapes.keys()].join(', ')})`,
      );
    }
  }
  return taps;
}

/**
 * What one forward pass gives per image row: per tap the packed sign bits (each image on a byte
 * boundary, so rows split and join without repacking) and, only when asked for, the float
 * pre-activations; the float maps at the asked feature points; the logits. Packing per pass
 * means a request's sign floats are never all held.
 */
export interface TeacherForward {
  taps: {
    tap: string;
    shape: [number, number, number, number];
    bits: Uint8Array;
    values?: Float32Array;
  }[];
  /** InferRequest.features, in request order. */
  features: { name: string; shape: number[]; values: Float32Array }[];
  logits?: { values: Float32Array; shape: number[] };
}

export interface ForwardOptions {
  bnTrain: boolean;
  logits: boolean;
  /** Keep the float pre-activations (InferRequest.raw_preactivations). */
  raw: boolean;
  /** Feature points whose float maps to return (InferRequest.features). */
  features: readonly string[];
}

/**
 * The compute (teacherSignals): `n` images (u8 NHWC) through the teacher, the signs (and with
 * `raw` the pre-activations) of `taps`, the float maps of `features` and optionally the logits. Batch-norm in eval mode unless `bnTrain` (then the outputs depend on
 * the whole batch, as in the paper's code).
 */
export function teacherForward(
  t: LoadedTeacher,
  images: Uint8Array,
  n: number,
  taps: readonly string[],
  o: ForwardOptions,
): TeacherForward {
  const [h, w, c] = t.inputShape;
  const x = imagesToTensor(images, n, h, w, c, t.stats);
  try {
    const s = teacherSignals(t.model, x, o.bnTrain ? 'train' : 'eval', {
      signs: taps,
      features: [...(o.raw ? taps : []), ...o.features],
      logits: o.logits,
    });
    const raws = o.raw ? taps.length : 0;
    return {
      taps: s.signs.map((m, i) => ({
        tap: m.name,
        shape: m.shape,
        bits: m.bits,
        values: o.raw ? s.features[i].values : undefined,
      })),
      features: s.features.slice(raws),
      logits: s.logits,
    };
  } finally {
    x.dispose();
  }
}

/** The answer to `req` from its forward pass: sign maps ρ(T) = [T > 0] packed one bit per neuron (docs/design.md §6 (Wire format)). */
export function inferResponse(
  req: teacherInference.InferRequest,
  f: TeacherForward,
): teacherInference.InferResponse {
  const res: teacherInference.InferResponse = {
    requestId: req.requestId,
    signMaps: [],
    logits: undefined,
    preactivations: [],
    features: f.features.map((m) => ({ name: m.name, tensor: floatTensor(m.values, m.shape) })),
  };
  for (const { tap, shape, bits, values } of f.taps) {
    res.signMaps.push({ tap, shape, bits: Buffer.from(bits.buffer, bits.byteOffset, bits.length) });
    if (req.rawPreactivations && values)
      res.preactivations.push({ name: tap, tensor: floatTensor(values, shape) });
  }
  if (req.logits && f.logits) res.logits = floatTensor(f.logits.values, f.logits.shape);
  return res;
}

/** One request through the teacher, unbatched. */
export function infer(
  req: teacherInference.InferRequest,
  t: LoadedTeacher,
): teacherInference.InferResponse {
  const { n, taps, features } = checkInfer(req, t);
  return inferResponse(
    req,
    teacherForward(t, req.images!.data, n, taps, {
      bnTrain: req.batchNormTrainMode,
      logits: req.logits,
      raw: req.rawPreactivations,
      features,
    }),
  );
}
