// The protos compile for other languages too: Python stubs via grpc_tools into a temp dir,
// then imported to prove they load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const protos = resolve(__dirname);
const py = '/usr/bin/python3';
const hasGrpcTools = spawnSync(py, ['-c', 'import grpc_tools.protoc, grpc']).status === 0;
const files = [
  'abd/v1/common.proto',
  'abd/v1/teacher_inference.proto',
  'abd/v1/boundary_extractor.proto',
  'abd/v1/student_trainer.proto',
  'abd/v1/evaluator.proto',
  'grpc/health/v1/health.proto',
];

test('the proto file list is complete', () => {
  const found = readdirSync(join(protos, 'abd/v1'))
    .filter((f) => f.endsWith('.proto'))
    .map((f) => `abd/v1/${f}`);
  assert.deepEqual(found.sort(), files.filter((f) => f.startsWith('abd/')).sort());
});

test(
  'protos compile to Python stubs that import',
  { skip: !hasGrpcTools && 'python3 grpc_tools not installed' },
  () => {
    const out = mkdtempSync(join(tmpdir(), 'abd-pyproto-'));
    try {
      const gen = spawnSync(
        py,
        [
          '-m',
          'grpc_tools.protoc',
          '-I',
          protos,
          `--python_out=${out}`,
          `--grpc_python_out=${out}`,
          ...files,
        ],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(gen.status, 0, gen.stderr);
      const script = [
        'import sys; sys.path.insert(0, sys.argv[1])',
        'from abd.v1 import teacher_inference_pb2 as ti, teacher_inference_pb2_grpc as tig',
        'from abd.v1 import student_trainer_pb2 as st, boundary_extractor_pb2_grpc, evaluator_pb2_grpc',
        'r = ti.InferRequest(request_id=3, taps=["group1"]); r.images.shape.extend([1, 28, 28, 1])',
        'assert ti.InferRequest.FromString(r.SerializeToString()).images.shape == [1, 28, 28, 1]',
        'assert hasattr(tig, "TeacherInferenceStub") and hasattr(tig, "add_TeacherInferenceServicer_to_server")',
        's = st.JobSpec(); s.run.init_epochs = 5; assert s.WhichOneof("kind") == "run"',
        'print("ok")',
      ].join('\n');
      const run = spawnSync(py, ['-c', script, out], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'ok');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
