export { evaluatorService } from './evaluator.service';
export { evaluateRequest, markdown } from './evaluation';
