import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-rerun-');
const env = { ...process.env, ABD_STORE: '', ABD_BACKEND: '' };

before(() => {
  writeBandDataset(tmp.dir, 120, 40);
  writeFileSync(
    join(tmp.dir, 'tiny.yaml'),
    [
      'name: rerun-tiny',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir}, subset: { count: 40, seed: 0 } }`,
      'teacher: { arch: wrn-10-1, epochs: 1 }',
      'student: { arch: wrn-10-1 }',
      'methods: [none]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 20 }',
      '',
    ].join('\n'),
  );
});
after(() => tmp.cleanup());

/** Runs abd and sends Ctrl-C (SIGINT) once a progress line of the teacher's epoch shows. */
function interrupted(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [ABD, ...args], {
      cwd: tmp.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && /teacher wrn-10-1 · epoch 1\/1 · step 2\/6/.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', rej);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout });
    });
  });
}

test('the rerun hint after Ctrl-C, pasted in another directory, resumes the same run; the report keeps the command', async () => {
  // Relative config, default store and run id, default backend: the hint must name them all.
  const first = await interrupted(['run', 'tiny.yaml']);
  assert.equal(first.code, 130, first.stdout);
  const hint = /rerun `(abd [^`]+)` to resume from the last checkpoint/.exec(first.stdout)?.[1];
  assert.ok(hint, first.stdout);
  const store = `file://${join(tmp.dir, '.abd', 'store')}`;
  assert.match(
    hint,
    new RegExp(
      `^abd run ${join(tmp.dir, 'tiny.yaml')} --store ${store} --run-id rerun-tiny --backend [a-z-]+$`,
    ),
  );
  const elsewhere = join(tmp.dir, 'elsewhere');
  mkdirSync(elsewhere);
  const again = spawnSync(process.execPath, [ABD, ...hint.split(' ').slice(1)], {
    encoding: 'utf8',
    cwd: elsewhere,
    env,
    timeout: 240_000,
  });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /resuming the unfinished run from its checkpoints/);
  assert.match(again.stdout, /teacher, 1 epoch\(s\) × 6 steps \(resuming at epoch 1, step [3-6]\)/);
  assert.match(again.stdout, /\| none \| [\d.]+ \| — \|/);
  const report = readFileSync(
    join(tmp.dir, '.abd', 'store', 'runs', 'rerun-tiny', 'report.md'),
    'utf8',
  );
  assert.ok(report.includes(`Command: \`${hint}\``), report);
  // Showing the finished run again (from yet another directory) leaves the report's command as it was.
  const shown = spawnSync(
    process.execPath,
    [ABD, 'run', join(tmp.dir, 'tiny.yaml'), '--store', store, '--quiet'],
    { encoding: 'utf8', cwd: tmp.dir, env, timeout: 240_000 },
  );
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /finished before; showing its stored results/);
  assert.equal(
    readFileSync(join(tmp.dir, '.abd', 'store', 'runs', 'rerun-tiny', 'report.md'), 'utf8'),
    report,
  );
});
