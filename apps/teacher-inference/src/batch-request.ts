import type { status } from '@grpc/grpc-js';
import type { ForwardOptions, TeacherForward } from './infer';
import type { LoadedTeacher } from './teacher-models';

/** One caller's request, as the batcher sees it (already checked against the teacher). */
export interface BatchRequest {
  teacher: LoadedTeacher;
  images: Uint8Array;
  n: number;
  taps: readonly string[];
  bnTrain: boolean;
  logits: boolean;
  /** Float pre-activations wanted as well as the signs. */
  raw: boolean;
  /** Feature points whose float maps are wanted (InferRequest.features). */
  features: readonly string[];
  signal?: AbortSignal;
}

/** The compute the batcher calls on a merged batch (infer's `teacherForward`). */
export type ForwardFn = (
  t: LoadedTeacher,
  images: Uint8Array,
  n: number,
  taps: readonly string[],
  o: ForwardOptions,
) => TeacherForward;

/** What the batcher reports per forward pass and per queue change (the metrics). */
export interface BatcherEvents {
  onBatch?: (images: number, requests: number, seconds: number) => void;
  onQueue?: (images: number) => void;
  onDone?: (seconds: number, code: status) => void;
}
