import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: string;
}

/** Chooses and initialises the compute backend (placeholder: wasm, or ABD_BACKEND). */
export async function initBackend(opts: { backend?: BackendName | 'auto' } = {}): Promise<BackendInfo> {
  const want = opts.backend ?? (process.env.ABD_BACKEND as BackendName | undefined) ?? 'wasm';
  if (want === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(want === 'cpu' ? 'cpu' : 'wasm');
  await tf.ready();
  return { backend: tf.getBackend() };
}
