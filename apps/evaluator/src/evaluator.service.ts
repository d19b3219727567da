import { unary, type Logger, type ServiceRegistration } from '@abd/grpc-kit';
import { evaluator } from '@abd/proto';
import { checkRequest } from './evaluation-request';
import type { EvaluationRunner } from './worker-evaluation';

/** Evaluate: the request is checked here (statuses at once), computed by `runner`. */
export function evaluatorService(o: {
  runner: EvaluationRunner;
  log?: Logger;
}): ServiceRegistration {
  const implementation: evaluator.EvaluatorServer = {
    evaluate: unary(
      (req: evaluator.EvaluateRequest) => {
        checkRequest(req);
        return o.runner.evaluate(req);
      },
      { log: o.log },
    ),
  };
  return { definition: evaluator.EvaluatorService, implementation };
}
