import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { channelStats, loadDataset } from '@abd/data';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { common, evaluator } from '@abd/proto';
import { ResNet, parseResNetName, saveStudent } from '@abd/models';
import { evaluate, getCheckpoint } from '@abd/train';
import { serviceFixture, type ServiceFixture } from '@abd/train/testing';
import { DEFAULT_EVAL_BATCH } from './evaluation-request';
import { evaluatorService } from './evaluator.service';
import { workerEvaluation, type EvaluationRunner } from './worker-evaluation';

let fx: ServiceFixture;
let server: RunningServer;
let client: evaluator.EvaluatorClient;
let runner: EvaluationRunner;

before(async () => {
  fx = await serviceFixture();
  // As served: the compute in the worker process, which opens the same store.
  runner = workerEvaluation({ storeUrl: fx.store.url, log: silentLogger });
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [evaluatorService({ runner, log: silentLogger })],
    log: silentLogger,
    auth: null,
    tls: null,
  });
  client = makeClient(evaluator.EvaluatorClient, `127.0.0.1:${server.port}`);
});
after(async () => {
  client.close();
  await server.shutdown(200);
  await runner.close();
  fx.cleanup();
});

const call = (r: Partial<evaluator.EvaluateRequest>) =>
  new Promise<evaluator.EvaluationReport>((res, rej) =>
    client.evaluate(
      {
        model: { id: 'teacher-a', epoch: 0 },
        dataset: undefined,
        split: 0,
        subset: undefined,
        teacher: undefined,
        taps: [],
        batchSize: 0,
        writeReport: false,
        reportName: '',
        ...r,
      },
      (e, v) => (e ? rej(e) : res(v)),
    ),
  );

test('Evaluate = the library evaluate() at the same batch size; similarity per tap; report JSON + Markdown in the store', async () => {
  const r = await call({
    teacher: { id: 'teacher-a', epoch: 0 },
    writeReport: true,
    reportName: 'teacher-a-self',
  });
  const ck = await getCheckpoint(fx.store, 'models/teacher-a');
  const test = await loadDataset('fashion-mnist', 'test', { dir: fx.dataDir });
  // At the evaluator's default batch (the loss is summed per batch, so the batch size matters bitwise).
  const ev = evaluate(
    ck.model,
    test,
    channelStats(await loadDataset('fashion-mnist', 'train', { dir: fx.dataDir })),
    DEFAULT_EVAL_BATCH,
  );
  ck.model.dispose();
  assert.equal(r.examples, 60);
  assert.equal(r.errorPercent, ev.errorPct);
  assert.equal(r.loss, ev.loss);
  assert.deepEqual(r.confusion!.counts, ev.confusion.flat());
  assert.equal(r.split, common.Split.SPLIT_TEST);
  assert.deepEqual(
    r.similarity.map((s) => [s.tap, Math.round(s.percent)]),
    [
      ['tap1', 100],
      ['tap2', 100],
      ['tap3', 100],
    ],
  );
  assert.deepEqual(r.reportKeys, [
    'reports/teacher-a-self/report.json',
    'reports/teacher-a-self/report.md',
  ]);
  const json = await fx.store.getJson<{ errorPercent: number }>(
    'reports/teacher-a-self/report.json',
  );
  assert.equal(json.errorPercent, ev.errorPct);
  assert.match(await fx.store.getText('reports/teacher-a-self/report.md'), /\| 60 \| /);
});

test('a ResNet student in the store is evaluated like a WRN: Evaluate = the library evaluate()', async () => {
  const m = new ResNet({ ...parseResNetName('resnet-8'), inChannels: 1, numClasses: 10 }, 3);
  const ser = await saveStudent(m, { role: 'student', dataset: 'fashion-mnist' });
  await fx.store.put('models/resnet-s/weights.bin', ser.weights);
  await fx.store.putJson('models/resnet-s/model.json', ser.json);
  const r = await call({
    model: { id: 'resnet-s', epoch: 0 },
    teacher: { id: 'teacher-a', epoch: 0 },
  });
  const test = await loadDataset('fashion-mnist', 'test', { dir: fx.dataDir });
  const ev = evaluate(
    m,
    test,
    channelStats(await loadDataset('fashion-mnist', 'train', { dir: fx.dataDir })),
    DEFAULT_EVAL_BATCH,
  );
  m.dispose();
  assert.equal(r.errorPercent, ev.errorPct);
  assert.equal(r.loss, ev.loss);
  assert.deepEqual(r.confusion!.counts, ev.confusion.flat());
});

test('bad inputs: statuses with the field named; nothing half-written', async () => {
  const cases: [string, Partial<evaluator.EvaluateRequest>, status, RegExp][] = [
    ['unknown model', { model: { id: 'ghost', epoch: 0 } }, status.NOT_FOUND, /ghost/],
    [
      'path-like model',
      { model: { id: '../models/x', epoch: 0 } },
      status.INVALID_ARGUMENT,
      /model.id/,
    ],
    ['unknown dataset', { dataset: { name: 'svhn' } }, status.NOT_FOUND, /svhn/],
    [
      'bad report name',
      { writeReport: true, reportName: '/etc/passwd' },
      status.INVALID_ARGUMENT,
      /report_name/,
    ],
    [
      'unknown tap',
      { teacher: { id: 'teacher-a', epoch: 0 }, taps: ['tap8'] },
      status.INVALID_ARGUMENT,
      /tap8/,
    ],
    [
      'duplicate tap',
      { teacher: { id: 'teacher-a', epoch: 0 }, taps: ['tap1', 'tap1'] },
      status.INVALID_ARGUMENT,
      /listed twice/,
    ],
    [
      'long unknown tap',
      { teacher: { id: 'teacher-a', epoch: 0 }, taps: ['x'.repeat(10_000)] },
      status.INVALID_ARGUMENT,
      /10000 characters/,
    ],
    ['bad enum', { split: 9 as common.Split }, status.INVALID_ARGUMENT, /split/],
  ];
  for (const [name, r, code, msg] of cases) {
    const e = await call(r).then(
      () => assert.fail(name),
      (x: ServiceError) => x,
    );
    assert.equal(e.code, code, `${name}: ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg);
  }
  assert.deepEqual(
    (await fx.store.list('reports/'))
      .map((o) => o.key)
      .filter((k) => !k.startsWith('reports/teacher-a-self/')),
    [],
  );
  assert.equal((await call({})).examples, 60);
});
