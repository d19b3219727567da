// Where tensors live on the wasm backend's heap.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Byte offset of a tensor's data on the wasm heap. */
export function offsetOf(backend: BackendWasm, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data == null || data.memoryOffset == null)
    throw new Error(`abd native: tensor ${t.shape} has no wasm data`);
  return data.memoryOffset;
}

/** The heap's current ArrayBuffer; call it after makeOutput, since growth replaces the buffer. */
export function heapOf(backend: BackendWasm): ArrayBuffer {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer as ArrayBuffer;
}
