import type { ArtifactStore } from '@abd/artifacts';
import { bidi, InvalidArgumentError, unary, validateName, type Logger, type ServiceRegistration } from '@abd/grpc-kit';
import { teacherInference } from '@abd/proto';
import { infer } from './infer';
import { TeacherModels } from './teacher-models';

export interface TeacherInferenceOptions {
  store: ArtifactStore;
  log?: Logger;
  /** Counts answered batches (tests and metrics). */
  onBatch?: (n: number) => void;
}

/** The teacher as a stateless service (docs/design.md §5 (Services and their contracts)): image batches in, sign bits and logits out. */
export function teacherInferenceService(o: TeacherInferenceOptions): ServiceRegistration & { models: TeacherModels } {
  const models = new TeacherModels(o.store);
  const opts = { log: o.log };
  const implementation: teacherInference.TeacherInferenceServer = {
    infer: bidi<teacherInference.InferRequest, teacherInference.InferResponse>(async function* (requests, ctx) {
      let id: string | undefined;
      let epoch = 0;
      for await (const req of requests) {
        if (ctx.signal.aborted) return;
        const named = req.teacher?.id;
        if (id === undefined) {
          if (!named) throw new InvalidArgumentError('teacher.id', 'is required on the first message of a stream');
          id = validateName('teacher.id', named);
          epoch = req.teacher?.epoch ?? 0;
        } else if (named && (named !== id || (req.teacher?.epoch ?? 0) !== epoch)) {
          throw new InvalidArgumentError('teacher', `a stream serves one model ('${id}'), this message names '${named}'`);
        }
        const t = await models.get(id, epoch);
        const res = infer(req, t);
        o.onBatch?.(req.images?.shape[0] ?? 0);
        yield res;
      }
    }, opts),
    describe: unary<teacherInference.DescribeRequest, teacherInference.ModelDescription>(async (req) => {
      const id = validateName('model.id', req.model?.id);
      const t = await models.get(id, req.model?.epoch ?? 0, 'model.id');
      const cfg = t.model.config;
      return {
        model: { id, epoch: req.model?.epoch ?? 0 },
        arch: { family: 'wrn', depth: cfg.depth, widen: cfg.widen, numClasses: cfg.numClasses, init: '' },
        dataset: { name: t.dataset },
        inputShape: [...t.inputShape],
        taps: [...t.tapShapes].map(([name, shape]) => ({ name, shape: [...shape] })),
        classes: t.classes,
        testErrorPercent: t.testErrorPct ?? 0,
        testErrorKnown: t.testErrorPct !== undefined,
        parameters: t.model.parameterCount(),
      };
    }, opts),
  };
  return { definition: teacherInference.TeacherInferenceService, implementation, models };
}
