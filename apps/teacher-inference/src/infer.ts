import * as tf from '@tensorflow/tfjs-core';
import { packSigns } from '@abd/distill';
import { checkTapList, InvalidArgumentError, shownName } from '@abd/grpc-kit';
import type { teacherInference } from '@abd/proto';
import { imagesToTensor } from '@abd/train';
import type { LoadedTeacher } from './teacher-models';

/** Checks a request's images and taps against the teacher; returns n and the taps to answer. */
export function checkInfer(
  req: teacherInference.InferRequest,
  t: Pick<LoadedTeacher, 'id' | 'inputShape' | 'tapShapes'>,
): { n: number; taps: string[] } {
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
  return { n, taps };
}

/**
 * What one forward pass gives per image row: per tap the packed sign bits (each image on a byte
 * boundary, so rows split and join without repacking) and, only when asked for, the float
 * pre-activations; the logits. Packing per pass means a request's floats are never all held.
 */
export interface TeacherForward {
  taps: {
    tap: string;
    shape: [number, number, number, number];
    bits: Uint8Array;
    values?: Float32Array;
  }[];
  logits?: { values: Float32Array; shape: number[] };
}

export interface ForwardOptions {
  bnTrain: boolean;
  logits: boolean;
  /** Keep the float pre-activations (InferRequest.raw_preactivations). */
  raw: boolean;
}

/**
 * The compute: `n` images (u8 NHWC) through the teacher, the signs (and with `raw` the
 * pre-activations) of `taps` and optionally the logits. Batch-norm in eval mode unless `bnTrain` (then the outputs depend on
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
  const res: TeacherForward = { taps: [] };
  tf.tidy(() => {
    const x = imagesToTensor(images, n, h, w, c, t.stats);
    const out = t.model.forward(x, { training: o.bnTrain, updateStats: false });
    for (const tap of taps) {
      const pre = out.taps[t.model.tapNames.indexOf(tap)];
      const shape = pre.shape as [number, number, number, number];
      const values = pre.dataSync() as Float32Array;
      res.taps.push({
        tap,
        shape,
        bits: packSigns(values, shape),
        values: o.raw ? values : undefined,
      });
    }
    if (o.logits)
      res.logits = { values: out.logits.dataSync() as Float32Array, shape: out.logits.shape };
  });
  return res;
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
  const { n, taps } = checkInfer(req, t);
  return inferResponse(
    req,
    teacherForward(t, req.images!.data, n, taps, {
      bnTrain: req.batchNormTrainMode,
      logits: req.logits,
      raw: req.rawPreactivations,
    }),
  );
}

export function floatTensor(
  values: Float32Array,
  shape: readonly number[],
): { data: Buffer; shape: number[] } {
  return { data: Buffer.from(values.slice().buffer), shape: [...shape] };
}

/** Float32 values of a FloatTensor's little-endian bytes (copied, so alignment never matters). */
export function floatsOf(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length / 4);
  new Uint8Array(out.buffer).set(data.subarray(0, out.length * 4));
  return out;
}
