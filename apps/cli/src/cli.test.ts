import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-cli-');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '' },
  });

before(() => writeBandDataset(tmp.dir, 120, 40));
after(() => tmp.cleanup());

test('abd doctor names the backend, the kernels and the dataset location', () => {
  const r = abd('doctor');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /backend:\s+wasm/);
  assert.match(r.stdout, /Conv2DBackpropFilter/);
  assert.match(r.stdout, /fashion-mnist: /);
});

test('a config with an unknown key fails before any work, naming the key', () => {
  const cfg = join(tmp.dir, 'bad.yaml');
  writeFileSync(
    cfg,
    `name: bad\nteacher: { arch: wrn-10-1 }\nstudent: { arch: wrn-10-1 }\ntrain: { batchsize: 3 }\n`,
  );
  const r = abd('run', cfg);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown key 'train\.batchsize'/);
  assert.ok(
    !existsSync(join(tmp.dir, '.abd')),
    'nothing may be written before the config is valid',
  );
});

test('unknown commands and options are usage errors', () => {
  assert.equal(abd('frobnicate').status, 2);
  const r = abd('doctor', '--colour', 'red');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /abd doctor: unknown option '--colour'/);
});

test('abd run prints the paper-format epoch log and the result table, and writes the report', () => {
  const cfg = join(tmp.dir, 'tiny.yaml');
  writeFileSync(
    cfg,
    [
      'name: test/cli-tiny',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir}, subset: { count: 40, seed: 0 } }`,
      'teacher: { arch: wrn-10-1, epochs: 1 }',
      'student: { arch: wrn-10-1 }',
      'methods: [none, ab+kd]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 20 }',
      '',
    ].join('\n'),
  );
  const r = abd('run', cfg);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /Distillation epoch: 1\n Train Time Taken: [\d.]+ sec\n layer1_activation similarity [\d.]+%/,
  );
  assert.match(
    r.stdout,
    /Classification training Epoch: 1\n Train Time Taken: [\d.]+ sec\n Loss: [\d.]+ \| Acc: [\d.]+% \(\d+\/40\)/,
  );
  assert.match(r.stdout, /\| none \| [\d.]+ \| — \|/);
  assert.match(r.stdout, /\| ab\+kd \| [\d.]+ \| [\d.]+\/[\d.]+\/[\d.]+ \|/);
  assert.ok(existsSync(join(tmp.dir, '.abd', 'store', 'runs', 'test--cli-tiny', 'report.md')));
  // The report names the recipe it used (the default, standard).
  assert.match(
    readFileSync(join(tmp.dir, '.abd', 'store', 'runs', 'test--cli-tiny', 'report.md'), 'utf8'),
    /^Recipe: standard\.$/m,
  );
  // A second invocation shows the stored results: the same table, no training, no data loaded,
  // no teacher evaluation (each of those names itself as a phase when it happens).
  const again = abd('run', cfg);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(
    again.stdout,
    /Classification training Epoch|loading fashion-mnist|evaluating the teacher/,
  );
  assert.match(again.stdout, /finished before; showing its stored results/);
  const table = (out: string) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .join('\n');
  assert.match(table(r.stdout), /\| ab\+kd \|/);
  assert.equal(table(again.stdout), table(r.stdout));
});
