import * as tf from '@tensorflow/tfjs-core';
import { hasNativeBatchNormRelu, nativeBatchNorm, nativeBatchNormInference } from '@abd/tensor';

export const BN_EPS = 1e-5;
/** PyTorch's default: running = (1 − m)·running + m·batch, with the unbiased batch variance. */
export const BN_MOMENTUM = 0.1;

export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/**
 * Batch-norm over N, H, W per channel with batch statistics, and a hand-written gradient:
 * dx = γ·rstd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ(dy·x̂), dβ = Σdy.
 * One custom op instead of the dozen tape entries that tf.moments produces.
 */
// The running averages to move in the next forward call (set just before the call: tfjs
// custom gradients take tensors only, and calls are synchronous).
let pendingStats: BatchNormParams | null = null;

const batchNormTrain = tf.customGrad(((
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  save: tf.GradSaveFunc,
) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  if (pendingStats) updateRunning(x, mean, variance, pendingStats);
  pendingStats = null;
  const rstd = tf.rsqrt(tf.add(variance, BN_EPS));
  const xhat = tf.mul(tf.sub(x, mean), rstd);
  const value = tf.add(tf.mul(xhat, gamma), beta);
  save([xhat, rstd, gamma]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, rs, g] = saved;
      const n = dy.size / dy.shape[dy.rank - 1];
      const sumDy = tf.sum(dy, [0, 1, 2]);
      const sumDyXhat = tf.sum(tf.mul(dy, xh), [0, 1, 2]);
      const scale = tf.div(tf.mul(g, rs), n);
      const inner = tf.sub(tf.sub(tf.mul(dy, n), sumDy), tf.mul(xh, sumDyXhat));
      return [tf.mul(inner, scale), sumDyXhat, sumDy];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (...args: tf.Tensor[]) => tf.Tensor;

/** Moves the running averages towards the batch statistics (no gradient flows here). */
function updateRunning(
  x: tf.Tensor4D,
  mean: tf.Tensor,
  variance: tf.Tensor,
  bn: BatchNormParams,
): void {
  const n = x.size / x.shape[3];
  const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
  bn.runningMean.assign(tf.add(tf.mul(bn.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
  bn.runningVar.assign(
    tf.add(tf.mul(bn.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)),
  );
}

/**
 * Applies batch-norm. In training mode it normalises with the batch statistics and, when
 * `updateStats` is set, moves the running averages; otherwise it uses the running averages.
 * With the native addon on wasm both modes run as one native kernel (see batchNormRelu).
 */
export function batchNorm(
  x: tf.Tensor4D,
  bn: BatchNormParams,
  training: boolean,
  updateStats = training,
): tf.Tensor4D {
  return batchNormMaybeRelu(x, bn, training, updateStats, false);
}

/** Whether BN runs on the native kernels (addon on wasm; ABD_FUSED_BN=0 turns them off). */
function nativeBn(): boolean {
  return process.env.ABD_FUSED_BN !== '0' && hasNativeBatchNormRelu();
}

function batchNormMaybeRelu(
  x: tf.Tensor4D,
  bn: BatchNormParams,
  training: boolean,
  updateStats: boolean,
  relu: boolean,
): tf.Tensor4D {
  if (!training) {
    const fused = !nativeBn()
      ? null
      : nativeBatchNormInference(
          x,
          bn.runningMean as tf.Tensor1D,
          bn.runningVar as tf.Tensor1D,
          bn.gamma as tf.Tensor1D,
          bn.beta as tf.Tensor1D,
          BN_EPS,
          relu,
        );
    if (fused) return fused as tf.Tensor4D;
    const y = tf.batchNorm(
      x,
      bn.runningMean,
      bn.runningVar,
      bn.beta,
      bn.gamma,
      BN_EPS,
    ) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  }
  if (nativeBn()) {
    const { y, mean, variance } = nativeBatchNorm(
      x,
      bn.gamma as tf.Tensor1D,
      bn.beta as tf.Tensor1D,
      BN_EPS,
      relu,
    );
    if (updateStats) tf.tidy(() => updateRunning(x, mean, variance, bn));
    tf.dispose([mean, variance]);
    return y as tf.Tensor4D;
  }
  pendingStats = updateStats ? bn : null;
  const y = batchNormTrain(x, bn.gamma, bn.beta) as tf.Tensor4D;
  return relu ? tf.relu(y) : y;
}

/**
 * Train-mode batch-norm from plain ops: (x − μ_B) / √(σ²_B + ε) · γ + β, moving the running
 * averages when `updateStats`. Same values as batchNorm(x, bn, true); every op on the path has
 * an exact second derivative in tfjs (no tf.customGrad, no rsqrt/pow whose gradients read saved
 * outputs), so double backprop through it is right (Jacobian matching).
 */
export function batchNormPlain(
  x: tf.Tensor4D,
  bn: BatchNormParams,
  updateStats: boolean,
): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  if (updateStats) tf.tidy(() => updateRunning(x, mean, variance, bn));
  const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPS)));
  return tf.add(tf.mul(xhat, bn.gamma), bn.beta) as tf.Tensor4D;
}

/**
 * relu(batchNorm(x)). On the wasm backend with the native addon this is one fused kernel (in
 * training mode with its gradient; in inference when no gradient is being recorded); otherwise
 * the same two ops as above.
 */
export function batchNormRelu(
  x: tf.Tensor4D,
  bn: BatchNormParams,
  training: boolean,
  updateStats = training,
): tf.Tensor4D {
  return batchNormMaybeRelu(x, bn, training, updateStats, true);
}
