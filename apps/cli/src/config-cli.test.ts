import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { Wrn } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { putCheckpoint } from '@abd/train';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ROOT = join(__dirname, '..', '..', '..');
const ABD = join(ROOT, 'bin', 'abd');
const tmp = tempDir('abd-config-cli-');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '', ABD_DATA_DIR: join(tmp.dir, 'data') },
  });
const timed = (...args: string[]) => {
  const t0 = performance.now();
  const r = abd(...args);
  return { ...r, ms: performance.now() - t0 };
};
const write = (name: string, text: string) => {
  writeFileSync(join(tmp.dir, name), text);
  return name; // relative: the CLI resolves it against its current directory (tmp.dir)
};
const base = 'name: t\nteacher: { arch: wrn-10-2 }\nstudent: { arch: wrn-10-1 }\n';

before(async () => {
  mkdirSync(join(tmp.dir, 'data'));
  writeBandDataset(join(tmp.dir, 'data'), 40, 20);
  // A real WRN-10-2 checkpoint on disk, as `abd train --out` writes it.
  await initBackend({ backend: 'cpu' });
  const m = new Wrn({ depth: 10, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 0);
  await putCheckpoint(openStore(join(tmp.dir, 'ck')), 'teacher-10-2', m, {
    role: 'teacher',
    dataset: 'fashion-mnist',
  });
  m.dispose();
});
after(() => tmp.cleanup());

test('abd run lists every mistake of a config at once, with did-you-mean, before any work', () => {
  const cfg = write(
    'four.yaml',
    `${base}train: { batch_size: 64, lr: fast }\ndataset: { name: fasion-mnist }\nmethods: [none, ab_kd]\n`,
  );
  const r = abd('run', cfg, '--store', 'S');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /four\.yaml: 4 errors:/);
  assert.match(r.stderr, /unknown key 'train\.batch_size' \(did you mean 'train\.batchSize'\?\)/);
  assert.match(r.stderr, /'train\.lr' must be a number, got 'fast'/);
  assert.match(r.stderr, /got 'fasion-mnist' \(did you mean 'fashion-mnist'\?\)/);
  assert.match(
    r.stderr,
    /'methods\[1\]' must be one of .* got 'ab_kd' \(did you mean 'ab\+kd'\?\)/,
  );
  assert.ok(!existsSync(join(tmp.dir, 'S')), 'nothing may be written before the config is valid');
});

test('key=value overrides are validated like the file, and --print-config shows the recipe', () => {
  const cfg = write('ok.yaml', base);
  const bad = abd('run', cfg, 'train.batch_size=3', 'kd.alpha=2');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /2 errors:/);
  assert.match(bad.stderr, /unknown key 'train\.batch_size' \(did you mean 'train\.batchSize'\?\)/);
  assert.match(bad.stderr, /'kd\.alpha' must be ≤ 1, got 2/);
  const std = abd('run', cfg, '--print-config');
  assert.equal(std.status, 0, std.stderr);
  assert.match(std.stdout, /^# recipe: standard\n/);
  assert.match(std.stdout, /t2Factor: true/);
  const paper = abd('run', cfg, 'recipe=paper-code', 'kd.t2Factor=true', '--print-config');
  assert.equal(paper.status, 0, paper.stderr);
  assert.match(paper.stdout, /^# recipe: paper-code \(overridden: kd\.t2Factor=true\)\n/);
  assert.match(paper.stdout, /\n {2}alpha: 0\n/);
  assert.match(paper.stdout, /\n {2}schedule: paper-epochs\n/);
});

test('abd config keys and abd run --help list every key with its type and default, from the schema', () => {
  for (const args of [
    ['config', 'keys'],
    ['run', '--help'],
  ]) {
    const r = abd(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\n {2}train\.batchSize +integer 1\.\.8192 +default 128/);
    assert.match(r.stdout, /\n {2}kd\.t2Factor +boolean +default true/);
    assert.match(r.stdout, /\n {2}recipe +standard \| paper-code +default "standard"/);
    assert.match(r.stdout, /\n {2}teacher\.arch +string +optional/);
    assert.match(
      r.stdout,
      /\n {2}paper-code +teacher\.schedule=paper-epochs, .*kd\.t2Factor=false, kd\.alpha=0/,
    );
  }
  const s = abd('config', 'schema');
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.stdout, readFileSync(join(ROOT, 'configs', 'run-config.schema.json'), 'utf8'));
});

test('an invalid arch fails at once: before the backend starts, as fast as abd starts', () => {
  const cfg = write(
    'arch.yaml',
    'name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: wrn-11-1 }\n',
  );
  const start = timed('--version');
  // An unknown backend would fail when the backend starts: the config error must come first.
  const r = timed('run', cfg, '--backend', 'no-such-backend');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /'student\.arch': WRN depth must be 6n\+4/);
  assert.ok(
    r.ms < 2 * start.ms + 2000,
    `${r.ms.toFixed(0)} ms against ${start.ms.toFixed(0)} ms for --version`,
  );
});

test('pre-flight: the teacher arch against its checkpoint, missing files, paths relative to the current directory', () => {
  const mismatch = write(
    'mismatch.yaml',
    `name: t\nteacher: { arch: wrn-16-4, checkpoint: ck/teacher-10-2 }\nstudent: { arch: wrn-10-1 }\n`,
  );
  const r = abd('run', mismatch, '--backend', 'no-such-backend', '--store', 'S');
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /'teacher\.arch' is wrn-16-4 but the checkpoint .*ck\/teacher-10-2 is wrn-10-2/,
  );
  const missing = write(
    'missing.yaml',
    `name: t\nteacher: { arch: wrn-10-2, checkpoint: ck/none }\nstudent: { arch: wrn-10-1 }\ndataset: { dir: nodata }\n`,
  );
  const m = abd('run', missing, '--backend', 'no-such-backend', '--store', 'S');
  assert.equal(m.status, 1, m.stderr);
  assert.match(m.stderr, /2 errors:/);
  assert.ok(
    m.stderr.includes(`'dataset.dir': file not found: ${join(tmp.dir, 'nodata')}`),
    m.stderr,
  );
  assert.ok(
    m.stderr.includes(
      `'teacher.checkpoint': file not found: ${join(tmp.dir, 'ck', 'none', 'model.json')}`,
    ),
    m.stderr,
  );
  assert.doesNotMatch(m.stderr, /store|invalid artifact key/i);
  assert.ok(!existsSync(join(tmp.dir, 'S')));
  // The committed teacher is `builtin:`; relative paths become absolute in the effective config.
  const ok = write(
    'fine.yaml',
    `name: t\nteacher: { arch: wrn-10-2, checkpoint: ck/teacher-10-2 }\nstudent: { arch: wrn-10-1 }\ndataset: { dir: data }\n`,
  );
  const p = abd('run', ok, '--print-config');
  assert.equal(p.status, 0, p.stderr);
  assert.ok(p.stdout.includes(`checkpoint: ${join(tmp.dir, 'ck', 'teacher-10-2')}\n`), p.stdout);
  assert.ok(p.stdout.includes(`dir: ${join(tmp.dir, 'data')}\n`), p.stdout);
  const builtin = abd(
    'run',
    write(
      'b.yaml',
      'name: t\nteacher: { arch: wrn-16-4, checkpoint: builtin:fashion-mnist-wrn-16-2 }\nstudent: { arch: wrn-10-1 }\n',
    ),
    '--store',
    'S',
  );
  assert.match(
    builtin.stderr,
    /'teacher\.arch' is wrn-16-4 but the checkpoint .*assets\/teachers\/fashion-mnist-wrn-16-2 is wrn-16-2/,
  );
});

test('abd eval takes an absolute checkpoint path, and names a missing one as a file', () => {
  const r = abd('eval', join(tmp.dir, 'ck', 'teacher-10-2'), '--json', '--backend', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { total: number; errorPct: number };
  assert.equal(out.total, 20);
  assert.ok(out.errorPct >= 0 && out.errorPct <= 100);
  const none = abd('eval', join(tmp.dir, 'ck', 'none'));
  assert.equal(none.status, 2);
  assert.ok(
    none.stderr.includes(`file not found: ${join(tmp.dir, 'ck', 'none', 'model.json')}`),
    none.stderr,
  );
});
