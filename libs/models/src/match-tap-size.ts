import * as tf from '@tensorflow/tfjs-core';

/**
 * Row i of the matrix that resamples `from` positions to `to` by linear interpolation with
 * half-pixel centres (PyTorch's `interpolate(mode='bilinear', align_corners=False)`, TF2's
 * `resize(bilinear)`): source = max((i + ½)·from/to − ½, 0), split between its two neighbours.
 */
function interpolationMatrix(from: number, to: number): tf.Tensor2D {
  const m = new Float32Array(from * to);
  for (let i = 0; i < to; i++) {
    const src = Math.max(((i + 0.5) * from) / to - 0.5, 0);
    const i0 = Math.min(Math.floor(src), from - 1);
    const i1 = Math.min(i0 + 1, from - 1);
    const l = src - i0;
    // Stored transposed ([from, to]) for the right-multiplication below.
    m[i0 * to + i] += 1 - l;
    m[i1 * to + i] += l;
  }
  return tf.tensor2d(m, [from, to]);
}

/**
 * The spatial rule of a tap pair whose maps differ in height × width (a foreign teacher's map
 * beside a student's): the student side — the connector's output r(S), already at the teacher's
 * width — is resized bilinearly with half-pixel centres to the teacher's height × width, so the
 * AB loss compares them element by element. Written as two matrix products (not
 * tf.image.resizeBilinear, whose tfjs gradient ignores half-pixel centres) so the gradient is
 * exact. Maps of equal size pass through untouched: the built-in pairs never resize. Call
 * inside tf.tidy / a gradient tape.
 */
export function matchTapSize(r: tf.Tensor4D, teacherShape: readonly number[]): tf.Tensor4D {
  const [n, hs, ws, c] = r.shape;
  const [, ht, wt] = teacherShape;
  if (hs === ht && ws === wt) return r;
  // Along H: [n, ws, c, hs] · A_h → [n, ws, c, ht].
  const byH = tf.reshape(
    tf.matMul(
      tf.reshape(tf.transpose(r, [0, 2, 3, 1]), [n * ws * c, hs]),
      interpolationMatrix(hs, ht),
    ),
    [n, ws, c, ht],
  );
  // Along W: [n, ht, c, ws] · A_w → [n, ht, c, wt] → NHWC.
  const byW = tf.reshape(
    tf.matMul(
      tf.reshape(tf.transpose(byH, [0, 3, 2, 1]), [n * ht * c, ws]),
      interpolationMatrix(ws, wt),
    ),
    [n, ht, c, wt],
  );
  return tf.transpose(byW, [0, 1, 3, 2]) as tf.Tensor4D;
}
