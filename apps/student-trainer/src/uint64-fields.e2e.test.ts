import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { makeClient } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer, teacherInference } from '@abd/proto';
import { tinyConfig } from '@abd/train/testing';
import { jobSpecsOf } from '@abd/train-io';
import { unaryCall } from './testing/trainer-client';
import { startTrainerStack, type TrainerStack } from './testing/trainer-server';

// The protos say a uint64 above 2^53 − 1 is refused with INVALID_ARGUMENT (never INTERNAL).
const BIG = 2 ** 60;
let svc: TrainerStack;
let teacher: teacherInference.TeacherInferenceClient;
let extractor: boundaryExtractor.BoundaryExtractorClient;

before(async () => {
  // The trainer makes its batches in-process here: only its own decoding is under test.
  svc = await startTrainerStack({ window: 2 }, { inProcessBatches: true });
  teacher = makeClient(teacherInference.TeacherInferenceClient, svc.stack.teachers[0].address);
  extractor = svc.stack.extractorClient!;
});
after(async () => {
  teacher.close();
  await svc.stop();
});

/** The status a stream ends with (OK when it ends cleanly). */
function streamStatus(
  s: NodeJS.EventEmitter,
): Promise<ServiceError | { code: status.OK; details: string }> {
  return new Promise((res) => {
    s.on('data', () => undefined);
    s.on('error', (e: ServiceError) => res(e));
    s.on('end', () => res({ code: status.OK, details: '' }));
  });
}
const unaryStatus = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: status.OK, details: '' }),
    (e: ServiceError) => e,
  );

test('uint64 fields above 2^53 − 1 get INVALID_ARGUMENT from every service, and the services keep serving', async () => {
  const [spec] = jobSpecsOf(tinyConfig(svc.fx.dataDir, { methods: ['kd'] }), 'teacher-a');
  const run = (spec.kind as { run: studentTrainer.RunJob }).run;
  const images = { data: Buffer.alloc(28 * 28), shape: [1, 28, 28, 1], labels: [], indices: [BIG] };
  const infer = (m: Partial<teacherInference.InferRequest>) => {
    const s = teacher.infer();
    const done = streamStatus(s);
    s.write({
      teacher: { id: 'teacher-a', epoch: 0 },
      requestId: 1,
      images: { ...images, indices: [0] },
      taps: [],
      rawPreactivations: false,
      logits: true,
      batchNormTrainMode: false,
      features: [],
      omitSignMaps: false,
      ...m,
    });
    s.end();
    return done;
  };
  const stream = (m: object) =>
    boundaryExtractor.StreamRequest.fromPartial({
      dataset: { name: 'fashion-mnist' },
      batchSize: 32,
      ...m,
    });
  const cases: [string, () => Promise<{ code: status; details: string }>][] = [
    ['InferRequest.request_id', () => infer({ requestId: BIG })],
    ['ImageBatch.indices', () => infer({ images })],
    ['StreamRequest.seed', () => streamStatus(extractor.stream(stream({ seed: BIG })))],
    [
      'StreamRequest.subset.seed',
      () =>
        streamStatus(
          extractor.stream(stream({ subset: { size: { $case: 'count', count: 16 }, seed: BIG } })),
        ),
    ],
    [
      'JobSpec.seed',
      () =>
        unaryStatus(
          unaryCall(svc.trainer, 'startJob', {
            jobId: 'u1',
            spec: { ...spec, seed: BIG },
            resume: false,
          }),
        ),
    ],
    [
      'JobSpec.subset.seed',
      () =>
        unaryStatus(
          unaryCall(svc.trainer, 'startJob', {
            jobId: 'u2',
            spec: { ...spec, subset: { size: { $case: 'count', count: 16 }, seed: BIG } },
            resume: false,
          }),
        ),
    ],
    [
      'ModelArch.init_seed',
      () =>
        unaryStatus(
          unaryCall(svc.trainer, 'startJob', {
            jobId: 'u3',
            spec: {
              ...spec,
              kind: {
                $case: 'run',
                run: {
                  ...run,
                  student: {
                    family: 'wrn',
                    depth: 10,
                    widen: 1,
                    numClasses: 0,
                    init: 'paper',
                    seed: { $case: 'initSeed', initSeed: BIG },
                  },
                },
              },
            },
            resume: false,
          }),
        ),
    ],
    [
      'WatchJobRequest.after_seq',
      () => streamStatus(svc.trainer.watchJob({ jobId: 'nope', afterSeq: BIG })),
    ],
  ];
  for (const [field, call] of cases) {
    const r = await call();
    assert.equal(r.code, status.INVALID_ARGUMENT, `${field}: ${status[r.code]} ${r.details}`);
    assert.match(r.details, /2\^53/, field);
  }
  // Still serving: a valid Infer answers.
  assert.equal((await infer({})).code, status.OK);
  assert.equal(await svc.fx.store.exists('jobs/u1/job.json'), false);
});
