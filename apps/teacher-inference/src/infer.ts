import * as tf from '@tensorflow/tfjs-core';
import { packSigns } from '@abd/distill';
import { InvalidArgumentError, NotFoundError } from '@abd/grpc-kit';
import type { teacherInference } from '@abd/proto';
import { imagesToTensor } from '@abd/train';
import type { LoadedTeacher } from './teacher-models';

/** Checks a request's images and taps against the teacher; returns n and the taps to answer. */
export function checkInfer(req: teacherInference.InferRequest, t: LoadedTeacher): { n: number; taps: string[] } {
  const img = req.images;
  if (!img) throw new InvalidArgumentError('images', 'is required');
  const [h, w, c] = t.inputShape;
  if (img.shape.length !== 4) throw new InvalidArgumentError('images.shape', `must be [n, h, w, c], got [${img.shape}]`);
  const [n, ih, iw, ic] = img.shape;
  if (n < 1) throw new InvalidArgumentError('images.shape', 'empty batch (n = 0)');
  if (ih !== h || iw !== w || ic !== c) {
    throw new InvalidArgumentError('images.shape', `[${img.shape}] does not fit model '${t.id}' (input [n, ${h}, ${w}, ${c}])`);
  }
  if (img.data.length !== n * h * w * c) {
    throw new InvalidArgumentError('images.data', `has ${img.data.length} bytes, shape [${img.shape}] needs ${n * h * w * c}`);
  }
  const taps = req.taps.length > 0 ? req.taps : [...t.tapShapes.keys()];
  for (const tap of taps) {
    if (!t.tapShapes.has(tap)) throw new NotFoundError(`unknown tap '${tap}' of model '${t.id}' (taps: ${[...t.tapShapes.keys()].join(', ')})`);
  }
  return { n, taps };
}

/**
 * One batch through the teacher: per requested tap the sign map ρ(T) = [T > 0] packed one bit
 * per neuron (docs/design.md §6 (Wire format)), optionally the raw pre-activations, and the logits. Batch-norm in
 * eval mode unless asked (then the maps depend on the batch, as in the paper's code).
 */
export function infer(req: teacherInference.InferRequest, t: LoadedTeacher): teacherInference.InferResponse {
  const { n, taps } = checkInfer(req, t);
  const [h, w, c] = t.inputShape;
  const res: teacherInference.InferResponse = { requestId: req.requestId, signMaps: [], logits: undefined, preactivations: [] };
  tf.tidy(() => {
    const x = imagesToTensor(req.images!.data, n, h, w, c, t.stats);
    const out = t.model.forward(x, { training: req.batchNormTrainMode, updateStats: false });
    for (const tap of taps) {
      const i = t.model.tapNames.indexOf(tap);
      const pre = out.taps[i];
      const shape = pre.shape as [number, number, number, number];
      const values = pre.dataSync() as Float32Array;
      const bits = packSigns(values, shape);
      res.signMaps.push({ tap, shape, bits: Buffer.from(bits.buffer, bits.byteOffset, bits.length) });
      if (req.rawPreactivations) res.preactivations.push({ name: tap, tensor: floatTensor(values, shape) });
    }
    if (req.logits) res.logits = floatTensor(out.logits.dataSync() as Float32Array, out.logits.shape);
  });
  return res;
}

export function floatTensor(values: Float32Array, shape: readonly number[]): { data: Buffer; shape: number[] } {
  return { data: Buffer.from(values.slice().buffer), shape: [...shape] };
}

/** Float32 values of a FloatTensor's little-endian bytes (copied, so alignment never matters). */
export function floatsOf(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length / 4);
  new Uint8Array(out.buffer).set(data.subarray(0, out.length * 4));
  return out;
}
