import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer, teacherInference } from '@abd/proto';
import { boundaryExtractorService } from '../../boundary-extractor/src/boundary-extractor.service';
import { TeacherPool } from '../../boundary-extractor/src/teacher-pool';
import { teacherInferenceService } from '../../teacher-inference/src/teacher-inference.service';
import { serviceFixture, type ServiceFixture, tinyConfig } from '@abd/train/testing';
import { JobManager } from './job-manager';
import { jobSpecsOf } from '@abd/train-io';
import { studentTrainerService } from './student-trainer.service';
import { unaryCall } from './testing/trainer-client';

// The protos say a uint64 above 2^53 − 1 is refused with INVALID_ARGUMENT (never INTERNAL).
const BIG = 2 ** 60;
let fx: ServiceFixture;
const servers: RunningServer[] = [];
let pool: TeacherPool;
let teacher: teacherInference.TeacherInferenceClient;
let extractor: boundaryExtractor.BoundaryExtractorClient;
let trainer: studentTrainer.StudentTrainerClient;
const quiet = { log: silentLogger, tls: null, auth: null, host: '127.0.0.1', port: 0 } as const;

before(async () => {
  fx = await serviceFixture();
  const ti = await startServer({ ...quiet, services: [teacherInferenceService({ store: fx.store, log: silentLogger })] });
  pool = new TeacherPool([`127.0.0.1:${ti.port}`], { window: 2 });
  const ex = await startServer({ ...quiet, services: [boundaryExtractorService({ pool, store: fx.store, log: silentLogger })] });
  const tr = await startServer({ ...quiet, services: [studentTrainerService(new JobManager({ store: fx.store, log: silentLogger }), silentLogger)] });
  servers.push(ti, ex, tr);
  teacher = makeClient(teacherInference.TeacherInferenceClient, `127.0.0.1:${ti.port}`);
  extractor = makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${ex.port}`);
  trainer = makeClient(studentTrainer.StudentTrainerClient, `127.0.0.1:${tr.port}`);
});
after(async () => {
  for (const c of [teacher, extractor, trainer]) c.close();
  pool.close();
  for (const s of servers) await s.shutdown(200);
  fx.cleanup();
});

/** The status a stream ends with (OK when it ends cleanly). */
function streamStatus(s: NodeJS.EventEmitter): Promise<ServiceError | { code: status.OK; details: string }> {
  return new Promise((res) => {
    s.on('data', () => undefined);
    s.on('error', (e: ServiceError) => res(e));
    s.on('end', () => res({ code: status.OK, details: '' }));
  });
}
const unaryStatus = (p: Promise<unknown>) => p.then(() => ({ code: status.OK, details: '' }), (e: ServiceError) => e);

test('uint64 fields above 2^53 − 1 get INVALID_ARGUMENT from every service, and the services keep serving', async () => {
  const [spec] = jobSpecsOf(tinyConfig(fx.dataDir, { methods: ['kd'] }), 'teacher-a');
  const run = (spec.kind as { run: studentTrainer.RunJob }).run;
  const images = { data: Buffer.alloc(28 * 28), shape: [1, 28, 28, 1], labels: [], indices: [BIG] };
  const infer = (m: Partial<teacherInference.InferRequest>) => {
    const s = teacher.infer();
    const done = streamStatus(s);
    s.write({ teacher: { id: 'teacher-a', epoch: 0 }, requestId: 1, images: { ...images, indices: [0] }, taps: [], rawPreactivations: false, logits: true, batchNormTrainMode: false, ...m });
    s.end();
    return done;
  };
  const stream = (m: object) => boundaryExtractor.StreamRequest.fromPartial({ dataset: { name: 'fashion-mnist' }, batchSize: 32, ...m });
  const cases: [string, () => Promise<{ code: status; details: string }>][] = [
    ['InferRequest.request_id', () => infer({ requestId: BIG })],
    ['ImageBatch.indices', () => infer({ images })],
    ['StreamRequest.seed', () => streamStatus(extractor.stream(stream({ seed: BIG })))],
    ['StreamRequest.subset.seed', () => streamStatus(extractor.stream(stream({ subset: { size: { $case: 'count', count: 16 }, seed: BIG } })))],
    ['JobSpec.seed', () => unaryStatus(unaryCall(trainer, 'startJob', { jobId: 'u1', spec: { ...spec, seed: BIG }, resume: false }))],
    ['JobSpec.subset.seed', () => unaryStatus(unaryCall(trainer, 'startJob', { jobId: 'u2', spec: { ...spec, subset: { size: { $case: 'count', count: 16 }, seed: BIG } }, resume: false }))],
    ['ModelArch.init_seed', () => unaryStatus(unaryCall(trainer, 'startJob', { jobId: 'u3', spec: { ...spec, kind: { $case: 'run', run: { ...run, student: { family: 'wrn', depth: 10, widen: 1, numClasses: 0, init: 'paper', seed: { $case: 'initSeed', initSeed: BIG } } } } }, resume: false }))],
    ['WatchJobRequest.after_seq', () => streamStatus(trainer.watchJob({ jobId: 'nope', afterSeq: BIG }))],
  ];
  for (const [field, call] of cases) {
    const r = await call();
    assert.equal(r.code, status.INVALID_ARGUMENT, `${field}: ${status[r.code]} ${r.details}`);
    assert.match(r.details, /2\^53/, field);
  }
  // Still serving: a valid Infer answers.
  assert.equal((await infer({})).code, status.OK);
  assert.equal(await fx.store.exists('jobs/u1/job.json'), false);
});
