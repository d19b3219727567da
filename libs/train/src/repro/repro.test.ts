import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { initBackend } from '@abd/tensor';
import { TrainEvent } from '../events';
import { checkpointRef } from '../preflight';
import { parseRunConfig } from '../run-config';
import { tempDir, writeBandDataset } from '../testing/fixture';
import { ALL_METHODS, cellConfig, COMMITTED_TEACHERS, EXPERIMENTS, gridOf, SCALES } from './grids';
import { type ReproOptions, runRepro } from './repro';
import { aggregate } from './sweep';

const tmp = tempDir('abd-repro-');
const configPath = (e: string) =>
  join(__dirname, '..', '..', '..', '..', 'configs', 'repro', `${e}.yaml`);
before(async () => {
  await initBackend();
  writeBandDataset(tmp.dir, 160, 40);
});
after(() => tmp.cleanup());

test('every experiment has a config and a grid at every scale; full is the paper’s grid', () => {
  for (const e of EXPERIMENTS) {
    const base = parseRunConfig(readFileSync(configPath(e), 'utf8'), e);
    for (const s of SCALES) {
      const g = gridOf(e, s);
      assert.ok(g.columns.length >= 2 && g.methods.length >= 2);
      const cfg = cellConfig(base, g, g.columns[0], 2);
      assert.equal(cfg.seed, 2);
      assert.equal(cfg.student.seed, 2);
    }
  }
  assert.deepEqual(
    gridOf('fast-training', 'full').columns.map((c) => c.label),
    ['1+1', '1+5', '3+12', '5+25', '10+50', '20+100'],
  );
  assert.deepEqual(
    gridOf('little-data', 'full').columns.map((c) => c.label),
    ['0.1%', '1%', '5%', '10%', '20%', '100%'],
  );
  assert.deepEqual(gridOf('fast-training', 'full').methods, ALL_METHODS);
  assert.ok(
    gridOf('fast-training', 'small').seeds >= 3 && gridOf('little-data', 'full').seeds >= 3,
  );
  assert.ok(gridOf('fast-training', 'mini').seeds >= 3 && gridOf('little-data', 'mini').seeds >= 3);
});

test("scale mini: the demo's recipe; the committed teacher on Fashion-MNIST (the file exists), a trained one on other datasets", () => {
  const root = join(__dirname, '..', '..', '..', '..');
  for (const e of EXPERIMENTS) {
    const base = parseRunConfig(readFileSync(configPath(e), 'utf8'), e);
    const g = gridOf(e, 'mini');
    for (const col of g.columns) {
      const fm = cellConfig(base, g, col, 1);
      assert.equal(fm.teacher.arch, COMMITTED_TEACHERS['fashion-mnist']!.arch);
      assert.equal(
        fm.teacher.checkpoint,
        COMMITTED_TEACHERS['fashion-mnist']!.path,
        `${e} ${col.key}`,
      );
      const ref = checkpointRef(fm.teacher.checkpoint!, root);
      assert.ok(ref.kind === 'disk' && existsSync(join(ref.dir, 'model.json')));
      // The demo's recipe, whatever the experiment's config says.
      assert.deepEqual(
        {
          init: fm.student.init,
          t2: fm.kd.t2Factor,
          train: fm.train.schedule,
          ab: fm.ab.schedule,
          reset: fm.ab.resetOptimizer,
        },
        { init: 'paper', t2: true, train: 'per-step', ab: 'per-step', reset: false },
      );
      const cifar = cellConfig(
        { ...base, dataset: { ...base.dataset, name: 'cifar10' } },
        g,
        col,
        1,
      );
      assert.equal(cifar.teacher.checkpoint, undefined);
    }
  }
  // A column naming another teacher architecture drops the committed checkpoint.
  const base = parseRunConfig(readFileSync(configPath('network-sizes'), 'utf8'), 'network-sizes');
  const other = cellConfig(
    base,
    gridOf('network-sizes', 'mini'),
    { key: 'x', label: 'x', teacher: 'wrn-10-2', student: 'wrn-10-1' },
    1,
  );
  assert.equal(other.teacher.arch, 'wrn-10-2');
  assert.equal(other.teacher.checkpoint, undefined);
});

test('aggregate: median and min–max over seeds', () => {
  const cell = (seed: number, err: number) => ({
    column: { key: 'c', label: 'c' },
    seed,
    results: [{ method: 'kd', errorPct: err }],
  });
  const [a] = aggregate([cell(1, 3), cell(2, 1), cell(3, 10), cell(4, 2)] as never);
  assert.deepEqual(
    { n: a.n, median: a.median, min: a.min, max: a.max },
    { n: 4, median: 2.5, min: 1, max: 10 },
  );
});

test('abd repro fast-training --scale smoke on the fixture: every method, table + plot + JSON; a rerun skips the finished cells', async () => {
  const base = parseRunConfig(readFileSync(configPath('fast-training'), 'utf8'));
  const cfg = { ...base, dataset: { ...base.dataset, dir: tmp.dir } };
  const store = openStore(join(tmp.dir, 'store'));
  const out = join(tmp.dir, 'results');
  const lines: string[] = [];
  // The one smoke sweep both invocations run.
  const smoke: ReproOptions = {
    experiment: 'fast-training',
    scale: 'smoke',
    base: cfg,
    store,
    outDir: out,
  };
  const first = await runRepro({ ...smoke, command: 'test', log: (l) => lines.push(l) });
  assert.equal(first.result.cancelled, false);
  assert.equal(first.result.cells.length, 2);
  for (const c of first.result.cells) {
    assert.deepEqual(
      c.results.map((r) => r.method),
      ALL_METHODS,
    );
    for (const r of c.results)
      assert.ok(r.errorPct >= 0 && r.errorPct <= 100, `${r.method}: ${r.errorPct}`);
  }
  const md = readFileSync(join(out, 'fast-training-fashion-mnist-smoke.md'), 'utf8');
  assert.match(md, /\| Training epochs \| 1\+1 \| 1\+2 \|/);
  for (const row of [
    'Without distillation',
    'FITNET \\+ KD',
    'FSP \\+ KD',
    'AT \\+ KD',
    'Jacobian \\+ KD',
    'Proposed \\+ KD',
  ])
    assert.match(md, new RegExp(`\\| ${row} \\| \\*\\*`));
  assert.match(md, /\*16\.39\*/, 'the paper’s 1+1 figure for AB + KD is beside ours');
  assert.match(md, /CIFAR-10/);
  const svg = readFileSync(join(out, 'fast-training-fashion-mnist-smoke.svg'), 'utf8');
  assert.match(svg, /^<svg [^>]*>/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, ALL_METHODS.length);
  const json = JSON.parse(
    readFileSync(join(out, 'fast-training-fashion-mnist-smoke.json'), 'utf8'),
  );
  assert.equal(json.cells.length, 2);
  assert.equal(json.cells[0].config.seed, 1);
  assert.equal(json.aggregates.length, 2 * ALL_METHODS.length);
  assert.ok(await store.exists('repro/fast-training/fashion-mnist/smoke/table.md'));
  assert.ok(existsSync(join(out, 'fast-training-fashion-mnist-smoke.json')));
  // A rerun finds both cells finished: nothing is trained again.
  const events: TrainEvent[] = [];
  const again = await runRepro({ ...smoke, onEvent: (e) => events.push(e) });
  assert.deepEqual(again.result.skipped, ['e1-1-s1', 'e1-2-s1']);
  assert.equal(events.filter((e) => e.type === 'step').length, 0);
  assert.deepEqual(again.result.aggregates, first.result.aggregates);
  // A changed recipe does not reuse the cells run with the old one.
  const changed = { ...cfg, kd: { ...cfg.kd, temperature: cfg.kd.temperature + 1 } };
  await assert.rejects(
    runRepro({ experiment: 'fast-training', scale: 'smoke', base: changed, store }),
    /e1-1-s1: the stored cell was run with another config \(kd\.temperature differ\); rerun with --fresh/,
  );
});
