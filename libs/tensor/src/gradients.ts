import * as tf from '@tensorflow/tfjs-core';

/** Comparison and logical ops: piecewise constant, so their gradient is zero (as in TensorFlow);
 * float32 zeros even for bool inputs, because the tape rejects non-float gradients. */
const ZERO_GRAD_BINARY = [
  tf.Greater,
  tf.Less,
  tf.LessEqual,
  tf.Equal,
  tf.NotEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalXor,
];

let done: string[] | null = null;

/**
 * Makes tf.grad / tf.variableGrads work: the CommonJS build of tfjs-core that Node loads
 * registers no gradient at all (only the ES build's `register_all_gradients` does, and
 * the union package `@tensorflow/tfjs` normally imports it), so we import it here. Then
 * adds zero gradients for comparison/logical ops, which tfjs leaves undefined and which
 * a loss with masks (the AB loss's [r(S) > −μ ∧ T ≤ 0]) would otherwise fail on.
 * Returns the names of the gradients we added. Idempotent.
 */
export function ensureGradients(): string[] {
  if (done != null) return done;
  if (tf.getGradient(tf.Conv2D) == null) {
    // ES module file: loaded through tsx's transform (all our entry points run under tsx).
    require('@tensorflow/tfjs-core/dist/register_all_gradients');
  }
  const added: string[] = [];
  for (const name of ZERO_GRAD_BINARY) {
    if (tf.getGradient(name) != null) continue;
    tf.registerGradient({
      kernelName: name,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
        a: () => tf.zeros(saved[0].shape),
        b: () => tf.zeros(saved[1].shape),
      }),
    });
    added.push(name);
  }
  if (tf.getGradient(tf.LogicalNot) == null) {
    tf.registerGradient({
      kernelName: tf.LogicalNot,
      inputsToSave: ['x'],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
        x: () => tf.zeros(saved[0].shape),
      }),
    });
    added.push(tf.LogicalNot);
  }
  done = added;
  return added;
}
