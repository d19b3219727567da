import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { status, type ServiceError } from '@grpc/grpc-js';
import { packSigns, unpackSigns } from '@abd/distill';
import { teacherInference } from '@abd/proto';
import { getCheckpoint, imagesToTensor } from '@abd/train';
import { floatsOf } from '@abd/train-io';
import { inferRequest } from './testing/infer-request';
import { startTeacherTestServer, type TeacherTestServer } from './testing/test-server';
import { bidiAll, type ServiceFixture } from '@abd/train/testing';

let t: TeacherTestServer;
let fx: ServiceFixture;
let client: teacherInference.TeacherInferenceClient;
let batches: { images: Uint8Array; n: number }[];
const MAX = 256 * 1024;

before(async () => {
  t = await startTeacherTestServer({
    service: { maxMessageBytes: MAX },
    maxMessageBytes: MAX,
    batches: { count: 3, size: 7 },
  });
  ({ fx, client, batches } = t);
});
after(() => t.close());

const req = inferRequest;

const infer = (msgs: teacherInference.InferRequest[]) =>
  bidiAll<teacherInference.InferRequest, teacherInference.InferResponse>(
    client.infer() as never,
    msgs,
  );

test('Describe gives taps, shapes, classes and the input shape', async () => {
  const d = await new Promise<teacherInference.ModelDescription>((res, rej) =>
    client.describe({ model: { id: 'teacher-a', epoch: 0 } }, (e, r) => (e ? rej(e) : res(r))),
  );
  assert.deepEqual(d.inputShape, [28, 28, 1]);
  assert.deepEqual(
    d.taps.map((t) => [t.name, t.shape]),
    [
      ['tap1', [28, 28, 16]],
      ['tap2', [14, 14, 32]],
      ['tap3', [7, 7, 64]],
    ],
  );
  assert.equal(d.classes.length, 10);
  assert.equal(d.arch?.depth, 10);
  assert.ok(d.parameters > 0);
});

test('Infer answers in order with packed sign bits and logits equal to the in-process teacher', async () => {
  const res = await infer(batches.map((b, i) => req(b, 100 + i)));
  assert.deepEqual(
    res.map((r) => r.requestId),
    [100, 101, 102],
  );
  const ck = await getCheckpoint(fx.store, 'models/teacher-a');
  const stats = (ck.json.metadata as { normalization: { mean: number[]; std: number[] } })
    .normalization;
  batches.forEach((b, i) => {
    const x = imagesToTensor(b.images, b.n, 28, 28, 1, stats);
    // A direct forward of the checkpoint, its pre-activations packed on the host (packSigns).
    const direct = tf.tidy(() => {
      const o = ck.model.forward(x, { training: false });
      return { logits: o.logits, taps: o.taps };
    });
    x.dispose();
    assert.deepEqual(floatsOf(res[i].logits!.data), direct.logits.dataSync());
    assert.deepEqual(res[i].logits!.shape, [7, 10]);
    res[i].signMaps.forEach((m, k) => {
      assert.equal(m.tap, `tap${k + 1}`);
      assert.deepEqual(m.shape, direct.taps[k].shape);
      const shape = m.shape as [number, number, number, number];
      const pre = direct.taps[k].dataSync();
      assert.deepEqual(Buffer.from(m.bits), Buffer.from(packSigns(pre, shape)));
      assert.deepEqual(
        unpackSigns(m.bits, shape),
        Float32Array.from(pre, (v) => (v > 0 ? 1 : 0)),
      );
    });
    tf.dispose([direct.logits, ...direct.taps]);
  });
  ck.model.dispose();
  assert.ok(tf.memory().numTensors < 1000);
});

test('raw pre-activations on request: their signs are the bits, 32x the bytes', async () => {
  const [r] = await infer([
    req(batches[0], 1, { taps: ['tap2'], rawPreactivations: true, logits: false }),
  ]);
  assert.equal(r.signMaps.length, 1);
  assert.equal(r.logits, undefined);
  const raw = floatsOf(r.preactivations[0].tensor!.data);
  assert.deepEqual(Buffer.from(packSigns(raw, [7, 14, 14, 32])), Buffer.from(r.signMaps[0].bits));
  assert.equal(r.preactivations[0].tensor!.data.length, 32 * r.signMaps[0].bits.length);
});

async function code(msgs: teacherInference.InferRequest[]): Promise<ServiceError> {
  try {
    await infer(msgs);
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('expected a failure');
}

test('bad inputs get their status and a message naming the problem; the server keeps serving', async () => {
  const b = batches[0];
  const cases: [string, teacherInference.InferRequest[], status, RegExp][] = [
    [
      'unknown model',
      [req(b, 1, { teacher: { id: 'nope', epoch: 0 } })],
      status.NOT_FOUND,
      /model 'nope' not found/,
    ],
    [
      'path-like id',
      [req(b, 1, { teacher: { id: '../etc', epoch: 0 } })],
      status.INVALID_ARGUMENT,
      /teacher.id/,
    ],
    [
      'absolute id',
      [req(b, 1, { teacher: { id: '/abs', epoch: 0 } })],
      status.INVALID_ARGUMENT,
      /teacher.id/,
    ],
    [
      'missing teacher',
      [req(b, 1, { teacher: undefined })],
      status.INVALID_ARGUMENT,
      /teacher.id: is required/,
    ],
    [
      'unknown tap',
      [req(b, 1, { taps: ['tap9'] })],
      status.INVALID_ARGUMENT,
      /taps\[0\]: unknown tap "tap9"/,
    ],
    // All three taps of 7 images as floats (7 x 87 808 bytes) would not fit the 256 KiB limit: refused before the work.
    [
      'raw answer over the message limit',
      [req(b, 1, { rawPreactivations: true })],
      status.RESOURCE_EXHAUSTED,
      /raw_preactivations: 7 images x 87808 bytes .* over the message limit of 262144; send at most 2 images/,
    ],
    [
      'empty batch',
      [req({ images: new Uint8Array(0), n: 0 }, 1)],
      status.INVALID_ARGUMENT,
      /images.shape: empty batch/,
    ],
    [
      'wrong shape',
      [
        req({ images: new Uint8Array(7 * 32 * 32 * 3), n: 7 }, 1, {
          images: {
            data: Buffer.alloc(7 * 32 * 32 * 3),
            shape: [7, 32, 32, 3],
            labels: [],
            indices: [],
          },
        }),
      ],
      status.INVALID_ARGUMENT,
      /images.shape/,
    ],
    [
      'short data',
      [req({ images: b.images.subarray(0, 100), n: 7 }, 1)],
      status.INVALID_ARGUMENT,
      /images.data: has 100 bytes/,
    ],
    [
      'two models in a stream',
      [req(b, 1), req(b, 2, { teacher: { id: 'other', epoch: 0 } })],
      status.INVALID_ARGUMENT,
      /one model/,
    ],
    [
      'oversize message',
      [req({ images: new Uint8Array(400 * 784), n: 400 }, 1)],
      status.RESOURCE_EXHAUSTED,
      /./,
    ],
  ];
  for (const [name, msgs, want, msg] of cases) {
    const e = await code(msgs);
    assert.equal(e.code, want, `${name}: got ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg, name);
  }
  const ok = await infer([req(b, 5)]);
  assert.equal(ok[0].requestId, 5);
  assert.deepEqual(await fx.store.list('models/nope'), []);
});

test('a Python grpcio client (stubs generated from the same protos) gets the same logits', async () => {
  const py = '/usr/bin/python3';
  const out = join(fx.dir, 'py');
  mkdirSync(out, { recursive: true });
  const protoDir = resolve(__dirname, '../../../protos');
  const gen = spawnSync(
    py,
    [
      '-m',
      'grpc_tools.protoc',
      `-I${protoDir}`,
      `--python_out=${out}`,
      `--grpc_python_out=${out}`,
      'abd/v1/common.proto',
      'abd/v1/teacher_inference.proto',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(gen.status, 0, gen.stderr);
  writeFileSync(join(out, 'images.bin'), batches[1].images);
  writeFileSync(
    join(out, 'client.py'),
    `import sys, grpc
sys.path.insert(0, ${JSON.stringify(out)})
from abd.v1 import teacher_inference_pb2 as ti, teacher_inference_pb2_grpc as tig, common_pb2 as c
data = open(${JSON.stringify(join(out, 'images.bin'))}, 'rb').read()
ch = grpc.insecure_channel(sys.argv[1])
stub = tig.TeacherInferenceStub(ch)
req = ti.InferRequest(teacher=c.ModelRef(id='teacher-a'), request_id=9, logits=True,
    images=c.ImageBatch(data=data, shape=[7, 28, 28, 1]))
for r in stub.Infer(iter([req])):
    sys.stdout.write('%d %s %s\\n' % (r.request_id, ','.join(map(str, r.logits.shape)), r.logits.data.hex()))
`,
  );
  for (const d of ['abd', 'abd/v1']) writeFileSync(join(out, d, '__init__.py'), '');
  // Asynchronously: the server lives in this process and must keep answering.
  const child = spawn(py, [join(out, 'client.py'), `127.0.0.1:${t.server.port}`], {
    env: { ...process.env, PYTHONPATH: out },
  });
  const run = { stdout: '', stderr: '', status: -1 };
  child.stdout.on('data', (d: Buffer) => (run.stdout += d));
  child.stderr.on('data', (d: Buffer) => (run.stderr += d));
  [run.status] = (await once(child, 'close')) as [number];
  assert.equal(run.status, 0, run.stderr);
  const [id, shape, hex] = run.stdout.trim().split(' ');
  const [ts] = await infer([req(batches[1], 9)]);
  assert.equal(id, '9');
  assert.equal(shape, '7,10');
  assert.equal(hex, Buffer.from(ts.logits!.data).toString('hex'));
});
