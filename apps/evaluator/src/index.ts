export { evaluatorService } from './evaluator.service';
export { evaluateRequest, markdown } from './evaluation';
export { startEvaluator, type Evaluator } from './start-evaluator';
