import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-svc-cli-');
const store = join(tmp.dir, 'store');
const env = { ...process.env, ABD_DATA_DIR: tmp.dir, ABD_STORE: '', ABD_AUTH_TOKEN: '' };
// Ports base..base+3 and the second teacher at base+11 (abd up's layout).
const base = 20000 + Math.floor(Math.random() * 20000);
let up: ChildProcess;
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env,
    timeout: 240_000,
  });

before(async () => {
  writeBandDataset(tmp.dir, 120, 40);
  // A teacher in the services' store, made by the in-process pipeline (`abd train`).
  writeFileSync(
    join(tmp.dir, 'teacher.yaml'),
    `name: t\ndataset: { name: fashion-mnist, dir: ${tmp.dir} }\nteacher: { arch: wrn-10-1, epochs: 1 }\nstudent: { arch: wrn-10-1 }\ntrain: { batchSize: 40 }\n`,
  );
  const t = abd(
    'train',
    join(tmp.dir, 'teacher.yaml'),
    '--store',
    store,
    '--out',
    join(tmp.dir, 'teacher'),
  );
  assert.equal(t.status, 0, t.stderr);
  up = spawn(
    process.execPath,
    [ABD, 'up', '--teachers', '2', '--port-base', String(base), '--store', store],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  up.stdout!.on('data', (d) => (out += d));
  for (let i = 0; i < 120 && !out.includes('Ctrl-C stops all'); i++)
    await new Promise((r) => setTimeout(r, 250));
});
after(async () => {
  up?.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1000));
  tmp.cleanup();
});

test('abd up + abd call: Describe answers with the taps; an unknown model is NOT_FOUND', () => {
  abd('call', `127.0.0.1:${base}`, 'grpc.health.v1.Health/Check', '{}'); // waits for the server
  const cfg = join(tmp.dir, 'run.yaml');
  writeFileSync(
    cfg,
    [
      'name: test/remote-cli',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir}, subset: { count: 40, seed: 0 } }`,
      `teacher: { arch: wrn-10-1, checkpoint: ${join(tmp.dir, 'teacher')} }`,
      'student: { arch: wrn-10-1 }',
      'methods: [ab+kd]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 20 }',
      '',
    ].join('\n'),
  );
  const run = abd('run', cfg, '--remote', `127.0.0.1:${base + 2}`, '--store', store);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /uploaded teacher/);
  assert.match(run.stdout, /test error [\d.]+ %/);
  // The same summary as an in-process run: teacher, student, the table.
  assert.match(run.stdout, /^Teacher wrn-10-1: test error [\d.]+ %$/m);
  assert.match(run.stdout, /^Student wrn-10-1, 40 training images, E₁\+E₂ = 1\+1:$/m);
  assert.match(run.stdout, /^\| method \| test error % \| similarity tap1\/2\/3 % \| time \|$/m);
  assert.match(run.stdout, /^\| ab\+kd \| [\d.]+ \| [\d.]+\/[\d.]+\/[\d.]+ \| \d+ s \|$/m);
  // The trainer's job events give the same progress as a local run: phases, position, rate, ETA.
  assert.doesNotMatch(run.stdout, /[\x1b\r]/);
  const lines = run.stdout.split('\n');
  for (const re of [
    /^  loading fashion-mnist$/,
    /^  evaluating the teacher on 40 test images/,
    /^  stage 2\/2 ab\+kd classify · epoch 1\/1 · testing on 40 images/,
  ]) {
    assert.ok(
      lines.some((l) => re.test(l)),
      `${re} in\n${run.stdout}`,
    );
  }
  const positions = lines
    .filter((l) => /^  stage \d\/2 .* done · [\d.]+ img\/s · ETA \d+ (s|min)$/.test(l))
    .map((l) => l.split(' · ').slice(0, 2).join(' · '));
  assert.deepEqual(positions, [
    '  stage 1/2 ab+kd init · epoch 1/1 done',
    '  stage 2/2 ab+kd classify · epoch 1/1 done',
  ]);
  const last = run.stdout.trim().split('\n').at(-1)!;
  assert.match(
    last,
    /^Students: .*\/runs\/test--remote-cli-ab-kd\/ab\+kd\/final; export one with: abd export test--remote-cli-ab-kd\/ab\+kd --format onnx --out test--remote-cli-ab-kd-ab-kd --store .* \(formats: /,
  );
  const exported = abd(
    'export',
    'test--remote-cli-ab-kd/ab+kd',
    '--format',
    'onnx',
    '--out',
    join(tmp.dir, 'remote-onnx'),
    '--store',
    store,
  );
  assert.equal(exported.status, 0, exported.stderr);
  // The teacher uploaded to another store than the services': the trainer's status, no stack, the fix.
  const elsewhere = abd(
    'run',
    cfg,
    '--remote',
    `127.0.0.1:${base + 2}`,
    '--store',
    join(tmp.dir, 'other-store'),
    '--run-id',
    'elsewhere',
  );
  assert.equal(elsewhere.status, 1, elsewhere.stderr);
  assert.match(
    elsewhere.stderr,
    /^abd: the trainer at 127\.0\.0\.1:\d+ answered NOT_FOUND: model 'elsewhere-teacher' not found .* pass the services' store with --store/,
  );
  assert.doesNotMatch(elsewhere.stderr, /^\s+at /m);
  // A teacher file is checked by the trainer's admission with the pipeline's loader: one that is not there is refused before any work.
  const own = abd(
    'run',
    cfg,
    'teacher={format: onnx, path: t.onnx, taps: [a]}',
    'ab.weights=[1]',
    '--run-id',
    'own-missing',
    '--remote',
    `127.0.0.1:${base + 2}`,
    '--store',
    store,
  );
  assert.notEqual(own.status, 0, own.stderr);
  assert.match(own.stderr, /config_json\.teacher\.path.*file not found: .*t\.onnx/);
  const d = abd(
    'call',
    `127.0.0.1:${base}`,
    'abd.v1.TeacherInference/Describe',
    '{"model":{"id":"test--remote-cli-teacher"}}',
  );
  assert.equal(d.status, 0, d.stderr);
  const desc = JSON.parse(d.stdout);
  assert.equal(desc.taps.length, 3);
  const bad = abd(
    'call',
    `127.0.0.1:${base}`,
    'abd.v1.TeacherInference/Describe',
    '{"model":{"id":"nope"}}',
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /abd call: 5 /);
});
