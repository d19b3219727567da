import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export const PAPER_SGD: SgdOptions = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true };

/**
 * SGD with momentum, Nesterov and L2 weight decay, with PyTorch's update rule:
 * g ← g + wd·p; b ← m·b + g; p ← p − lr·(g + m·b) (Nesterov) or p − lr·b.
 * Decay applies to every parameter (BN and biases too), as in the paper's code.
 */
export class SgdNesterov {
  readonly vars: Map<string, tf.Variable>;
  readonly opts: SgdOptions;
  lr: number;
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(vars: Map<string, tf.Variable>, opts: SgdOptions) {
    this.vars = vars;
    this.opts = { ...opts };
    this.lr = opts.lr;
  }

  /** Applies one update from gradients keyed like `vars`. Missing gradients are skipped. */
  step(grads: Map<string, tf.Tensor> | tf.NamedTensorMap): void {
    const get = (k: string) => (grads instanceof Map ? grads.get(k) : grads[k]);
    const { momentum: m, weightDecay: wd, nesterov } = this.opts;
    tf.tidy(() => {
      for (const [name, p] of this.vars) {
        const g0 = get(name);
        if (!g0) continue;
        const g = wd !== 0 ? tf.add(g0, tf.mul(p, wd)) : g0;
        let upd: tf.Tensor = g;
        if (m !== 0) {
          const buf = this.buffers.get(name);
          let next: tf.Tensor;
          if (!buf) {
            // PyTorch initialises the buffer with the first gradient.
            next = tf.clone(g);
            this.buffers.set(name, tf.variable(next, false));
          } else {
            next = tf.add(tf.mul(buf, m), g);
            buf.assign(next);
          }
          upd = nesterov ? tf.add(g, tf.mul(next, m)) : next;
        }
        p.assign(tf.sub(p, tf.mul(upd, this.lr)));
      }
    });
  }

  /** Momentum buffers by parameter name (for checkpoints). */
  state(): Map<string, tf.Tensor> {
    return new Map(this.buffers);
  }

  loadState(tensors: Map<string, tf.Tensor>): void {
    for (const [name, t] of tensors) {
      if (!this.vars.has(name)) throw new Error(`optimizer state for unknown parameter '${name}'`);
      const old = this.buffers.get(name);
      if (old) old.assign(t);
      else
        this.buffers.set(
          name,
          tf.tidy(() => tf.variable(tf.clone(t), false)),
        );
    }
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
