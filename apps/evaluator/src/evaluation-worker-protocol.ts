import type { evaluator } from '@abd/proto';

/** Evaluator → its worker: one request to evaluate (structured clone: numbers stay bitwise). */
export interface ToWorker {
  t: 'evaluate';
  id: number;
  req: evaluator.EvaluateRequest;
  dataDir?: string;
}

/** Worker → evaluator: the report of request `id`, or the gRPC status it failed with. */
export type FromWorker =
  | { t: 'done'; id: number; report: evaluator.EvaluationReport }
  | { t: 'error'; id: number; code: number; details: string };
