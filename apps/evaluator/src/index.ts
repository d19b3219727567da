export { evaluatorService } from './evaluator.service';
export { evaluateRequest, type EvaluateOptions } from './evaluation';
export { checkRequest, DEFAULT_EVAL_BATCH, MAX_EVAL_BATCH } from './evaluation-request';
export { markdown } from './report-markdown';
export {
  inlineEvaluation,
  workerEvaluation,
  type EvaluationRunner,
  type WorkerEvaluationOptions,
} from './worker-evaluation';
export { startEvaluator, type Evaluator } from './start-evaluator';
