// Which failures of a teacher replica the pool retries on another one.
import { status } from '@grpc/grpc-js';

// Worth retrying on another replica: the replica went away or failed inside.
const RETRYABLE = new Set([
  status.UNAVAILABLE,
  status.CANCELLED,
  status.UNKNOWN,
  status.INTERNAL,
  status.ABORTED,
  status.DEADLINE_EXCEEDED,
]);
// A replica whose batcher queue is full refuses at once (RESOURCE_EXHAUSTED "teacher queue full"):
// back off and retry, like a replica that went away; other RESOURCE_EXHAUSTED (a request over a
// limit) would fail again anywhere.
export const retryable = (e: { code: number; details?: string }): boolean =>
  RETRYABLE.has(e.code) ||
  (e.code === status.RESOURCE_EXHAUSTED && /^teacher queue full/.test(e.details ?? ''));
