import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { openStore } from '@abd/artifacts';
import { initBackend } from '@abd/tensor';
import { runPipeline } from './run';
import { loadRunData } from './run-data';
import { configDiff } from './run-store';
import { TrainEvent } from './events';
import type { RunConfig } from './run-config';
import type { RunMethod } from './run-methods';
import { tempDir, tinyConfig, writeBandDataset } from './testing/fixture';
import { assertSameWeights, storedWeights } from './testing/weights';

const tmp = tempDir();
before(async () => {
  await initBackend();
  writeBandDataset(tmp.dir, 160, 60);
});
after(() => tmp.cleanup());

/** The tiny config on `dir`'s data with `methods`, taking the teacher the first test (run `a`) trained. */
function onFirstRunsTeacher(dir: string, methods: RunMethod[]): RunConfig {
  return tinyConfig(dir, {
    methods,
    teacher: { ...tinyConfig(dir).teacher, checkpoint: `${tmp.dir}/store-a/runs/a/teacher` },
  });
}

test('a whole run: teacher → none / kd / ab+kd → results, report data and checkpoints in the store', async () => {
  const cfg = tinyConfig(tmp.dir);
  const storeDir = `${tmp.dir}/store-a`;
  const events: TrainEvent[] = [];
  const r = await runPipeline(cfg, {
    store: openStore(storeDir),
    runId: 'a',
    onEvent: (e) => events.push(e),
  });
  assert.equal(r.cancelled, false);
  assert.deepEqual(
    r.results.map((m) => m.method),
    ['none', 'kd', 'ab+kd'],
  );
  for (const m of r.results) {
    assert.ok(m.errorPct >= 0 && m.errorPct <= 100);
    assert.equal(m.total, 60);
  }
  const ab = r.results[2];
  assert.equal(ab.similarity?.length, 3);
  for (const s of ab.similarity!) assert.ok(s > 0.3 && s <= 1, `similarity ${s}`);
  const epochs = events.filter((e) => e.type === 'epoch');
  // teacher 1 + none 2 + kd 2 + ab-init 1 + classify 1
  assert.equal(epochs.length, 7);
  assert.ok(epochs.some((e) => e.type === 'epoch' && e.ab));
  const store = openStore(storeDir);
  assert.ok(await store.exists('runs/a/result.json'));
  assert.ok(await store.exists('runs/a/ab+kd/final/model.json'));
  assert.ok(await store.exists('runs/a/teacher/model.json'));
  assert.deepEqual(await store.getJson('runs/a/config.json'), JSON.parse(JSON.stringify(cfg)));
  // The same run id under another config is refused before any work, naming what differs.
  const changed = {
    ...cfg,
    epochs: { ...cfg.epochs, e2: cfg.epochs.e2 + 1 },
    kd: { ...cfg.kd, temperature: 7 },
  };
  await assert.rejects(
    runPipeline(changed, { store, runId: 'a' }),
    /run a was started with another config \(epochs\.e2, kd\.temperature differ\); start it over with --fresh/,
  );
  // The plan lists the five stages; the work between steps is named while it happens.
  const plan = events.find((e) => e.type === 'plan');
  assert.deepEqual(plan?.type === 'plan' && plan.stages.map((s) => `${s.stage} ${s.label}`), [
    'teacher teacher wrn-10-1',
    'classify none wrn-10-1',
    'classify kd wrn-10-1',
    'ab-init ab+kd wrn-10-1',
    'classify ab+kd wrn-10-1',
  ]);
  const phases = events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []));
  assert.deepEqual(phases.slice(0, 2), ['load-data', 'test']); // the teacher's last epoch is tested
  assert.ok(phases.includes('eval-teacher'));
  assert.equal(
    phases.filter((p) => p === 'test').length,
    6,
    'every epoch of teacher 1 + none 2 + kd 2 + ab+kd 1 (testEvery 1)',
  );
  // The same config shows the finished results again, from the store: no event, no evaluation.
  const seen: TrainEvent[] = [];
  const again = await runPipeline(cfg, { store, runId: 'a', onEvent: (e) => seen.push(e) });
  assert.deepEqual(seen, []);
  assert.deepEqual(again, JSON.parse(JSON.stringify(r)));
});

test('a finished run is shown without its data: nothing is loaded or evaluated again', async () => {
  const dir = `${tmp.dir}/data-gone`;
  mkdirSync(dir);
  writeBandDataset(dir, 100, 20);
  const cfg = onFirstRunsTeacher(dir, ['none']);
  const store = openStore(`${tmp.dir}/store-gone`);
  const first = await runPipeline(cfg, { store, runId: 'g' });
  assert.ok(await store.exists('runs/g/teacher-eval.json'));
  rmSync(dir, { recursive: true });
  const second = await runPipeline(cfg, { store, runId: 'g' });
  assert.deepEqual(second, JSON.parse(JSON.stringify(first)));
});

test('configDiff names the differing leaves', () => {
  assert.deepEqual(
    configDiff({ a: 1, b: { c: [1, 2], d: 'x' } }, { a: 1, b: { c: [1, 3], e: 2 } }),
    ['b.c', 'b.d', 'b.e'],
  );
  assert.deepEqual(configDiff({ a: 1 }, { a: 1 }), []);
});

test('the same seed gives the same weights; a cancelled run resumes to the same weights', async () => {
  const cfg = onFirstRunsTeacher(tmp.dir, ['ab+kd']);
  const data = await loadRunData(cfg);
  const b = `${tmp.dir}/store-b`;
  const c = `${tmp.dir}/store-c`;
  await runPipeline(cfg, { store: openStore(b), runId: 'r' }, data);
  // Stop in the middle of the AB stage, then rerun: it resumes from the mid-epoch checkpoint.
  const ctl = new AbortController();
  let steps = 0;
  const first = await runPipeline(
    cfg,
    {
      store: openStore(c),
      runId: 'r',
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === 'step' && ++steps === 1) ctl.abort();
      },
    },
    data,
  );
  assert.equal(first.cancelled, true);
  assert.ok(await openStore(c).exists('runs/r/ab+kd/ab-init/latest.json'));
  const resumed: TrainEvent[] = [];
  const second = await runPipeline(
    cfg,
    { store: openStore(c), runId: 'r', onEvent: (e) => resumed.push(e) },
    data,
  );
  assert.equal(second.cancelled, false);
  // The teacher was evaluated by the first, stopped, invocation; the resumed one keeps that.
  assert.ok(!resumed.some((e) => e.type === 'phase' && e.phase === 'eval-teacher'));
  assert.equal(second.teacher.errorPct, first.teacher.errorPct);
  assertSameWeights(
    await storedWeights(b, 'runs/r/ab+kd/final'),
    await storedWeights(c, 'runs/r/ab+kd/final'),
  );
  assert.equal(
    second.results[0].errorPct,
    (await openStore(b).getJson<{ results: { errorPct: number }[] }>('runs/r/result.json'))
      .results[0].errorPct,
  );
});

test('a run stopped before the first step of a stage resumes that stage from its start (no epoch is skipped)', async () => {
  const cfg = onFirstRunsTeacher(tmp.dir, ['ab+kd']);
  const data = await loadRunData(cfg);
  const d = `${tmp.dir}/store-d`;
  const ctl = new AbortController();
  // Abort at the end of the AB stage: the classification stage stops before its first step.
  const first = await runPipeline(
    cfg,
    {
      store: openStore(d),
      runId: 'r',
      signal: ctl.signal,
      onEvent: (e) => e.type === 'epoch' && e.stage === 'ab-init' && ctl.abort(),
    },
    data,
  );
  assert.equal(first.cancelled, true);
  const pointer = await openStore(d).getJson<{
    epoch: number;
    nextBatch: number;
    partial?: boolean;
  }>('runs/r/ab+kd/classify/latest.json');
  assert.deepEqual([pointer.epoch, pointer.nextBatch, pointer.partial], [0, 0, true]);
  await runPipeline(cfg, { store: openStore(d), runId: 'r' }, data);
  assertSameWeights(
    await storedWeights(`${tmp.dir}/store-b`, 'runs/r/ab+kd/final'),
    await storedWeights(d, 'runs/r/ab+kd/final'),
  );
});
