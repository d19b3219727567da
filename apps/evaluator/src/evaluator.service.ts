import type { ArtifactStore } from '@abd/artifacts';
import { unary, type Logger, type ServiceRegistration } from '@abd/grpc-kit';
import { evaluator } from '@abd/proto';
import { evaluateRequest } from './evaluation';

export function evaluatorService(o: {
  store: ArtifactStore;
  dataDir?: string;
  log?: Logger;
}): ServiceRegistration {
  const implementation: evaluator.EvaluatorServer = {
    evaluate: unary((req: evaluator.EvaluateRequest) => evaluateRequest(o.store, req, o.dataDir), {
      log: o.log,
    }),
  };
  return { definition: evaluator.EvaluatorService, implementation };
}
