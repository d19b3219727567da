import { wrnBlocksPerGroup, WrnConfig, wrnWidths } from './wrn-config';

/** Floating-point operations of one image through a WRN (a multiply-add counts 2). */
export interface WrnFlops {
  /** Convolutions and the classifier, inference. */
  forward: number;
  /**
   * One training step: the forward pass, the weight gradients (as many operations again) and
   * the input gradients of every layer but the first (whose input needs none).
   */
  train: number;
}

/**
 * Operations of the convolutions and the final linear layer of `Wrn` (same-padded 3×3 convs,
 * stride 2 entering groups 2 and 3, 1×1 shortcuts where the width or stride changes) on an
 * `hw`×`hw` input. Batch norm, ReLU and pooling (a few % of the total) are not counted, as
 * in the papers' FLOP figures: WRN-28-10 on 32×32 comes to 5.24 G multiply-adds.
 */
export function wrnFlops(cfg: WrnConfig, hw: number): WrnFlops {
  const w = wrnWidths(cfg);
  const n = wrnBlocksPerGroup(cfg);
  const conv0 = 2 * hw * hw * 16 * cfg.inChannels * 9;
  let rest = 0;
  let s = hw;
  for (let g = 0; g < 3; g++) {
    for (let b = 0; b < n; b++) {
      const cin = b === 0 ? w[g] : w[g + 1];
      const cout = w[g + 1];
      const stride = b === 0 && g > 0 ? 2 : 1;
      const out = Math.ceil(s / stride);
      const px = out * out;
      rest += 2 * px * cout * cin * 9 + 2 * px * cout * cout * 9;
      if (cin !== cout || stride !== 1) rest += 2 * px * cout * cin;
      s = out;
    }
  }
  rest += 2 * w[3] * cfg.numClasses;
  const forward = conv0 + rest;
  return { forward, train: forward + forward + rest };
}
