// The generated code is committed; this fails when it no longer matches protos/ (run
// `nx run protos:generate` and commit). Also a wire round trip of the trickiest messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { common, studentTrainer, teacherInference } from './index';

const root = resolve(__dirname, '../../..');
const committed = resolve(__dirname);

const hasProtoc = spawnSync('protoc', ['--version']).status === 0;

function listTs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

// The protoc version line is the only thing another machine's protoc may legitimately change.
const normalize = (s: string): string =>
  s.replace(/^\/\/ {3}protoc {2,}v.*$/m, '//   protoc <version>');

test(
  'committed libs/proto/src matches a fresh generation',
  { skip: !hasProtoc && 'protoc not installed' },
  () => {
    const tmp = mkdtempSync(join(tmpdir(), 'abd-proto-'));
    try {
      const r = spawnSync('bash', [join(root, 'tools/gen-proto.sh'), tmp], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const fresh = listTs(tmp);
      assert.deepEqual(
        listTs(committed),
        fresh,
        'generated file set differs: run nx run protos:generate',
      );
      for (const f of fresh) {
        assert.equal(
          normalize(readFileSync(join(committed, f), 'utf8')),
          normalize(readFileSync(join(tmp, f), 'utf8')),
          `${f} is stale: run nx run protos:generate`,
        );
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);

test('InferRequest/Response and JobSpec survive a wire round trip', () => {
  const req: teacherInference.InferRequest = {
    teacher: { id: 'wrn-16-2', epoch: 0 },
    requestId: 7,
    images: { data: Buffer.from([1, 2, 3, 4]), shape: [1, 2, 2, 1], labels: [3], indices: [59999] },
    taps: ['group1'],
    rawPreactivations: false,
    logits: true,
    batchNormTrainMode: false,
    features: ['group1.out'],
    omitSignMaps: true,
  };
  const back = teacherInference.InferRequest.decode(
    teacherInference.InferRequest.encode(req).finish(),
  );
  assert.deepEqual(
    { ...back, images: { ...back.images, data: Buffer.from(back.images!.data) } },
    req,
  );

  const sign: common.SignMap = {
    tap: 'group1',
    shape: [2, 1, 1, 9],
    bits: Buffer.from([0xff, 1, 0, 0]),
  };
  const s2 = common.SignMap.decode(common.SignMap.encode(sign).finish());
  assert.deepEqual([...s2.bits], [0xff, 1, 0, 0]);

  const spec = studentTrainer.JobSpec.fromPartial({
    name: 'wrn10-1-from-wrn16-2-ab+kd',
    seed: 1,
    subset: { size: { $case: 'fraction', fraction: 0.01 }, seed: 2 },
    kind: {
      $case: 'run',
      run: {
        teacherSource: { $case: 'teacher', teacher: { id: 't', epoch: 0 } },
        initEpochs: 5,
        classifyEpochs: 25,
        method: 'ab+kd',
        methodParams: { beta: 0.5 },
      },
    },
  });
  const spec2 = studentTrainer.JobSpec.decode(studentTrainer.JobSpec.encode(spec).finish());
  assert.deepEqual(spec2, spec);
  assert.equal(spec2.kind?.$case, 'run');
});

test('service definitions name the abd.v1 paths', () => {
  assert.equal(
    teacherInference.TeacherInferenceService.infer.path,
    '/abd.v1.TeacherInference/Infer',
  );
  assert.equal(teacherInference.TeacherInferenceService.infer.requestStream, true);
  assert.equal(teacherInference.TeacherInferenceService.infer.responseStream, true);
  assert.equal(studentTrainer.StudentTrainerService.watchJob.responseStream, true);
});
