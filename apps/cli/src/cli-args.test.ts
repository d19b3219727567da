import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-cli-args-');
// stdin is not a terminal here (spawnSync pipes it), as in CI.
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '' },
    timeout: 240_000,
  });
const COMMANDS = [
  'demo',
  'run',
  'distill',
  'train',
  'eval',
  'repro',
  'bench',
  'doctor',
  'up',
  'call',
  'ui',
];

before(() => writeBandDataset(tmp.dir, 120, 40));
after(() => tmp.cleanup());

function filesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .length;
}

test('every command has --help listing its flags, and `abd help <cmd>` says the same', () => {
  for (const c of COMMANDS) {
    const r = abd(c, '--help');
    assert.equal(r.status, 0, `${c}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: abd ${c} `), c);
    assert.match(r.stdout, /Options:/, c);
  }
  for (const c of ['run', 'distill'])
    assert.equal(abd('help', c).stdout, abd(c, '--help').stdout, c);
  const run = abd('run', '--help').stdout;
  for (const f of ['--store', '--backend', '--run-id', '--fresh', '--yes', '--quiet', '--remote'])
    assert.ok(run.includes(f), f);
});

test('--version prints the package version', () => {
  const r = abd('--version');
  assert.equal(r.status, 0);
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  assert.equal(r.stdout.trim(), pkg.version);
});

test('unknown options and extra arguments exit 2 naming the command that was called', () => {
  const extra = abd('run', 'a.yaml', 'b.yaml');
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /abd run: extra argument 'b\.yaml'/);
  assert.match(abd('eval', 'a', 'b').stderr, /abd eval: too many arguments/);
  const unknown = abd('distill', 'a.yaml', '--colour', 'red');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /abd distill: unknown option '--colour'/);
  assert.doesNotMatch(unknown.stderr, /abd run/);
  assert.equal(abd('frobnicate').status, 2);
});

test('the trainer being unreachable during run --remote is a one-line hint with the exact rerun command', () => {
  const cfg = join(tmp.dir, 'remote.yaml');
  writeFileSync(
    cfg,
    `name: remote\nteacher: { arch: wrn-10-1, checkpoint: models/t }\nstudent: { arch: wrn-10-1 }\nepochs: { e1: 1, e2: 1 }\n`,
  );
  const r = abd('run', cfg, '--remote', '127.0.0.1:1', '--store', join(tmp.dir, 'rs'));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /^abd: the trainer went away; rerun `abd run \S+remote\.yaml --remote 127\.0\.0\.1:1 --store \S+rs --run-id remote` to resume\n$/,
  );
});

test('--fresh=false keeps a finished run; --fresh without a terminal or --yes refuses; hints carry the flags', () => {
  const cfg = join(tmp.dir, 'tiny.yaml');
  writeFileSync(
    cfg,
    [
      'name: test/fresh',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir}, subset: { count: 40, seed: 0 } }`,
      'teacher: { arch: wrn-10-1, epochs: 1 }',
      'student: { arch: wrn-10-1 }',
      'methods: [none]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 20 }',
      '',
    ].join('\n'),
  );
  const store = join(tmp.dir, 'my store');
  const first = abd('run', cfg, '--store', store, '--backend', 'wasm');
  assert.equal(first.status, 0, first.stderr);
  const runDir = join(store, 'runs', 'test--fresh');
  const n = filesUnder(runDir);
  assert.ok(n > 4, `a finished run has its files (${n})`);
  // The report's command reproduces the run: the store (quoted, it has a space), run id, backend.
  const report = readFileSync(join(runDir, 'report.md'), 'utf8');
  assert.ok(
    report.includes(
      `Command: \`abd run ${cfg} --store '${store}' --backend wasm --run-id test--fresh\``,
    ),
    report,
  );

  const keep = abd('run', cfg, '--store', store, '--fresh=false');
  assert.equal(keep.status, 0, keep.stderr);
  assert.match(keep.stdout, /finished before; showing its stored results/);
  assert.equal(filesUnder(runDir), n);

  const refuse = abd('run', cfg, '--store', store, '--fresh');
  assert.equal(refuse.status, 2);
  assert.match(
    refuse.stderr,
    /^abd run: --fresh would delete the \d+ .*add --yes to confirm.*nothing was deleted/,
  );
  assert.equal(filesUnder(runDir), n);
});

test("key=value overrides meet the file's schema; --print-config prints the effective config and does no work", () => {
  const cfg = join(tmp.dir, 'ov.yaml');
  writeFileSync(cfg, `name: ov\nteacher: { arch: wrn-10-1 }\nstudent: { arch: wrn-10-1 }\n`);
  const store = join(tmp.dir, 'ov-store');
  const p = abd(
    'run',
    cfg,
    'train.lr=0.05',
    'epochs.e1=2',
    'methods=[none, kd]',
    '--print-config',
    '--store',
    store,
  );
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^name: ov$/m);
  assert.match(p.stdout, /^  lr: 0\.05$/m);
  assert.match(p.stdout, /^  e1: 2$/m);
  assert.match(p.stdout, /^methods:\n  - none\n  - kd\n[a-z]/m);
  assert.throws(() => readdirSync(store), 'nothing is written');
  const bad = abd('run', cfg, 'train.batch_size=3', '--print-config');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown key 'train\.batch_size'/);
  const badType = abd('run', cfg, 'epochs.e1=many', '--print-config');
  assert.equal(badType.status, 1);
  assert.match(badType.stderr, /epochs\.e1/);
});

test('a reader that closes the pipe early (abd run --help | head) ends abd quietly, exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [ABD, 'run', '--help'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Our end of its stdout is closed before it writes: its write meets a closed pipe (EPIPE).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
});
