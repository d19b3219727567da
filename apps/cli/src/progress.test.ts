import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-progress-');
const env = { ...process.env, ABD_STORE: '' };
// Pipes, as in CI: neither stdout nor stderr is a terminal.
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env,
    timeout: 240_000,
  });

let cfg = '';
before(() => {
  writeBandDataset(tmp.dir, 120, 40);
  cfg = join(tmp.dir, 'tiny.yaml');
  writeFileSync(
    cfg,
    [
      'name: progress-tiny',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir}, subset: { count: 40, seed: 0 } }`,
      'teacher: { arch: wrn-10-1, epochs: 1 }',
      'student: { arch: wrn-10-1 }',
      'methods: [none, ab+kd]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 20 }',
      '',
    ].join('\n'),
  );
});
after(() => tmp.cleanup());

const ESC = /[\x1b\r]/;
const POSITION = String.raw`stage (\d)/4 ([a-z+\- 0-9]+) · epoch (\d)/(\d) done · [\d.]+ img/s · ETA \d+ (s|min)`;

test('without a terminal: a line per epoch with the run position, rate and ETA, the phases named, no control characters', () => {
  const r = abd('run', cfg, '--store', join(tmp.dir, 'plain'));
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, ESC);
  assert.doesNotMatch(r.stderr, ESC);
  const lines = r.stdout.split('\n');
  // teacher (6 steps of 20 on 120 images), none (1 + 1 epochs), ab+kd init, ab+kd classify.
  const positions = lines.flatMap((l) => {
    const m = new RegExp(`^  ${POSITION}$`).exec(l);
    return m ? [`${m[1]} ${m[2]} ${m[3]}/${m[4]}`] : [];
  });
  assert.deepEqual(positions, [
    '1 teacher wrn-10-1 1/1',
    '2 none classify 1/2',
    '2 none classify 2/2',
    '3 ab+kd init 1/1',
    '4 ab+kd classify 1/1',
  ]);
  assert.ok(lines.includes('== stage 3/4 ab+kd wrn-10-1: ab-init, 1 epoch(s) × 2 steps'), r.stdout);
  // Phases, in the order they happen: data, the teacher's test pass, its evaluation for the table.
  const phase = (text: string) => lines.findIndex((l) => l.includes(text));
  const load = phase('loading fashion-mnist');
  const evalTeacher = phase('evaluating the teacher on 40 test images');
  assert.ok(load >= 0 && evalTeacher > load, r.stdout);
  assert.ok(
    lines.some((l) => /^  stage 1\/4 teacher wrn-10-1 · epoch 1\/1 · testing on 40 images/.test(l)),
    r.stdout,
  );
  assert.ok(
    lines.some((l) =>
      /^  stage 4\/4 ab\+kd classify · epoch 1\/1 · testing on 40 images · [\d.]+ img\/s · ETA/.test(
        l,
      ),
    ),
    r.stdout,
  );
  // Lines within the teacher's epoch (a tenth of 6 steps = every step but the last).
  assert.ok(
    lines.some((l) =>
      /^  stage 1\/4 teacher wrn-10-1 · epoch 1\/1 · step 3\/6 · [\d.]+ img\/s · ETA \d+ (s|min)$/.test(
        l,
      ),
    ),
    r.stdout,
  );
});

test('on a terminal: the position is one redrawn line', () => {
  // util-linux `script` runs the command on a pseudo-terminal (a dependency of the test: no skip).
  const store = join(tmp.dir, 'tty');
  const cmd = [process.execPath, ABD, 'run', cfg, '--store', store].map((w) => `'${w}'`).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...env, COLUMNS: '200' },
    timeout: 240_000,
  });
  assert.equal(r.error, undefined, `script(1) is needed for this test: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // Redraws return to the line's start and erase its rest (readline's cursorTo / clearLine).
  assert.match(
    r.stdout,
    /\r?\x1b\[1G?stage 4\/4 ab\+kd classify · epoch 1\/1 · step \d\/2 · [\d.]+ img\/s · ETA \d+ (s|min)\x1b\[0?K/,
  );
  assert.match(r.stdout, /loading fashion-mnist/);
  assert.match(r.stdout, /\| ab\+kd \| [\d.]+ \|/);
});
