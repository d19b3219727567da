// Loads the optional N-API addon (libs/tensor/native/build/Release/abd_native.node).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Heap = the wasm memory's ArrayBuffer (fetched after the outputs are allocated); offsets in bytes. */
export interface NativeAddon {
  info(): {
    library: string;
    threads: number;
    layout: string;
    cachedConvs: number;
    cachedMatMuls: number;
    /** Layout used per convolution shape ("nhwc" or "blocked"), after autotuning. */
    convChoices: Record<string, string>;
  };
  /** Layout mode for convolutions: nhwc, any (oneDNN's blocked layouts + reorders) or auto (timed). */
  setConvLayout(layout: 'nhwc' | 'any' | 'auto'): void;
  /** (heap, inA, inB, out, n, h, w, ci, oh, ow, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr) */
  conv2d(heap: ArrayBuffer, ...args: number[]): void;
  conv2dBackpropInput(heap: ArrayBuffer, ...args: number[]): void;
  conv2dBackpropFilter(heap: ArrayBuffer, ...args: number[]): void;
  matMul(
    heap: ArrayBuffer,
    a: number,
    b: number,
    out: number,
    batchA: number,
    batchB: number,
    m: number,
    k: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
  ): void;
  sgemm(
    transposeA: boolean,
    transposeB: boolean,
    m: number,
    n: number,
    k: number,
    heap: ArrayBuffer,
    a: number,
    b: number,
    out: number,
  ): void;
  batchNormReluForward(
    heap: ArrayBuffer,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    invStd: number,
    rows: number,
    channels: number,
    epsilon: number,
    relu?: boolean,
  ): void;
  batchNormReluBackward(
    heap: ArrayBuffer,
    x: number,
    y: number,
    dy: number,
    gamma: number,
    mean: number,
    invStd: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    rows: number,
    channels: number,
    relu?: boolean,
  ): void;
  batchNormInference(
    heap: ArrayBuffer,
    x: number,
    mean: number,
    variance: number,
    gamma: number,
    beta: number,
    y: number,
    rows: number,
    channels: number,
    epsilon: number,
    relu: boolean,
  ): void;
  /** out[i] = x[i] > scalar (bool bytes); absent from addons built before it existed. */
  greaterScalar?(heap: ArrayBuffer, x: number, scalar: number, out: number, elements: number): void;
}

export const ADDON_PATH = join(
  __dirname,
  '..',
  '..',
  'native',
  'build',
  'Release',
  'abd_native.node',
);

let cached: { addon?: NativeAddon; reason?: string } | undefined;

/** The addon, or the reason it is unavailable (ABD_NATIVE=0 disables it). Loaded once. */
export function loadAddon(): { addon?: NativeAddon; reason?: string } {
  if (cached) return cached;
  if (process.env.ABD_NATIVE === '0') cached = { reason: 'disabled by ABD_NATIVE=0' };
  else if (!existsSync(ADDON_PATH)) cached = { reason: `native addon not built (${ADDON_PATH})` };
  else {
    try {
      // OpenMP threads that spin between kernels steal the core the JS thread and the wasm kernels
      // run on; sleeping at once measured 5-10x faster on small reorders on a busy 2-core machine.
      // libgomp reads this when the addon first loads it.
      process.env.OMP_WAIT_POLICY ??= 'passive';
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = { addon: require(ADDON_PATH) as NativeAddon };
    } catch (e) {
      cached = { reason: `native addon failed to load: ${(e as Error).message}` };
    }
  }
  return cached;
}
