import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrnFlops } from './wrn-flops';

test('WRN FLOPs: the published WRN-28-10 figure, and a WRN-10-1 counted by hand', () => {
  // Zagoruyko & Komodakis' WRN-28-10 on CIFAR: 5.24 G multiply-adds (the figure pruning papers quote).
  const big = wrnFlops({ depth: 28, widen: 10, inChannels: 3, numClasses: 10 }, 32);
  assert.equal(Math.round(big.forward / 2 / 1e7), 524);
  // WRN-10-1, 28×28×1: conv0 28²·16·9; group 1 (16→16, 28²): 2 convs 16·16·9; group 2 (16→32,
  // 14²): 16·32·9 + 32·32·9 + shortcut 16·32; group 3 (32→64, 7²): 32·64·9 + 64·64·9 + 32·64; fc 64·10.
  const macs =
    784 * 16 * 9 +
    784 * (16 * 16 * 9 * 2) +
    196 * (16 * 32 * 9 + 32 * 32 * 9 + 16 * 32) +
    49 * (32 * 64 * 9 + 64 * 64 * 9 + 32 * 64) +
    64 * 10;
  const small = wrnFlops({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 28);
  assert.equal(small.forward, 2 * macs);
  assert.equal(small.train, 3 * 2 * macs - 2 * 784 * 16 * 9);
});
