import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-repro-cli-');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '' },
  });

// 160 training images: the smoke grids take stratified subsets of up to 128.
before(() => writeBandDataset(tmp.dir, 160, 40));
after(() => tmp.cleanup());

test('abd repro network-sizes --scale smoke --data-dir: table, plot and JSON; a rerun skips finished cells', () => {
  const args = [
    'repro',
    'network-sizes',
    '--scale',
    'smoke',
    '--data-dir',
    tmp.dir,
    '--out',
    join(tmp.dir, 'out'),
    '--store',
    join(tmp.dir, 'store'),
    '--quiet',
  ];
  const r = abd(...args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /\| Compression type \| Teacher → student \| Output distillation \(KD\) \| Proposed \+ KD \|/,
  );
  const base = join(tmp.dir, 'out', 'network-sizes-fashion-mnist-smoke');
  assert.match(readFileSync(`${base}.md`, 'utf8'), /wrn-10-2 → wrn-10-1/);
  assert.match(readFileSync(`${base}.svg`, 'utf8'), /^<svg /);
  assert.equal(JSON.parse(readFileSync(`${base}.json`, 'utf8')).cells.length, 2);
  const again = abd(...args);
  assert.equal(again.status, 0, again.stderr);
  assert.equal((again.stdout.match(/finished before, skipped/g) ?? []).length, 2);
  assert.doesNotMatch(again.stdout, /teacher wrn-10-2: training/);
});

test('abd repro rejects an unknown experiment, scale or seed count', () => {
  assert.equal(abd('repro', 'bogus').status, 2);
  assert.match(
    abd('repro', 'fast-training', '--scale', 'huge').stderr,
    /--scale must be one of smoke, mini, small, full/,
  );
  assert.match(
    abd('repro', 'fast-training', '--seeds', '0').stderr,
    /--seeds must be an integer ≥ 1/,
  );
});
