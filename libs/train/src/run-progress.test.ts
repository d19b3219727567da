import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlannedStage, TrainEvent } from './events';
import { formatDuration, formatProgress, formatRate } from './progress-line';
import { planRun } from './run-plan';
import { RunProgress } from './run-progress';
import { tinyConfig } from './testing/fixture';

/** A model on a hand-set clock: `at(t, event)` feeds the event at t seconds. */
function clocked(): { p: RunProgress; at: (t: number, e: TrainEvent) => void } {
  let now = 0;
  const p = new RunProgress(() => now);
  return { p, at: (t, e) => ((now = t), p.onEvent(e)) };
}

const stage = (
  s: Partial<PlannedStage> & Pick<PlannedStage, 'stage' | 'label' | 'epochs'>,
): PlannedStage => ({ stepsPerEpoch: 4, imagesPerStep: 10, done: false, ...s });
const step = (
  stageName: PlannedStage['stage'],
  label: string,
  epoch: number,
  i: number,
): TrainEvent => ({
  type: 'step',
  stage: stageName,
  label,
  epoch,
  step: i,
  stepsPerEpoch: 4,
  loss: 1,
  lr: 0.1,
  images: 10,
});

test('rate and ETA over the whole plan, computed by hand', () => {
  const { p, at } = clocked();
  at(0, {
    type: 'plan',
    stages: [
      stage({ stage: 'classify', label: 'none w', epochs: 2 }),
      stage({ stage: 'ab-init', label: 'ab+kd w', epochs: 1 }),
      stage({ stage: 'classify', label: 'ab+kd w', epochs: 1 }),
    ],
  });
  at(0, {
    type: 'stage-start',
    stage: 'classify',
    label: 'none w',
    epochs: 2,
    stepsPerEpoch: 4,
    fromEpoch: 0,
  });
  // The first step (0 → 1 s) is warm-up: it starts the clock, nothing is measured yet.
  at(1, step('classify', 'none w', 0, 0));
  let s = p.snapshot()!;
  assert.deepEqual([s.step, s.imagesPerSecond, s.etaSeconds], [1, undefined, undefined]);
  assert.equal(formatProgress(s), 'stage 1/3 none classify · epoch 1/2 · step 1/4');
  at(3, step('classify', 'none w', 0, 1));
  // 1 step × 10 images in 2 s; classify at 2 s/step, ab-init not measured: the mean, 2 s.
  // Left: 2·4 − 2 = 6 steps here, 4 in the init stage, 4 in the last: 14 × 2 = 28 s.
  s = p.snapshot()!;
  assert.deepEqual(
    [s.stage, s.stages, s.title, s.epochsDone, s.step, s.imagesPerSecond, s.etaSeconds],
    [1, 3, 'none classify', 0, 2, 5, 28],
  );
  assert.equal(
    formatProgress(s),
    'stage 1/3 none classify · epoch 1/2 · step 2/4 · 5.0 img/s · ETA 28 s',
  );

  at(4, step('classify', 'none w', 0, 2));
  at(5, step('classify', 'none w', 0, 3));
  at(6, { type: 'phase', phase: 'test', label: 'none w', text: 'testing on 60 images' });
  // 3 steps in 4 s: 7.5 img/s, 4/3 s a step; 4 + 4 + 4 steps left: 16 s.
  assert.equal(
    formatProgress(p.snapshot()!),
    'stage 1/3 none classify · epoch 1/2 · testing on 60 images · 7.5 img/s · ETA 16 s',
  );
  // The test pass (5 → 7 s) counts toward the stage: 6 s for 3 steps = 2 s/step.
  at(7, { type: 'epoch', stage: 'classify', label: 'none w', epoch: 0, seconds: 5 });
  s = p.snapshot()!;
  assert.equal(s.atEpochEnd, true);
  assert.equal(s.imagesPerSecond, 7.5); // the ended epoch's timed steps
  assert.equal(s.etaSeconds, (4 + 4 + 4) * 2);
  assert.equal(
    formatProgress(s),
    'stage 1/3 none classify · epoch 1/2 done · 7.5 img/s · ETA 24 s',
  );

  // The next epoch's window starts at the epoch's end: 1 step in 7 → 9 s; 8 s for 4 steps.
  at(9, step('classify', 'none w', 1, 0));
  s = p.snapshot()!;
  assert.equal(s.imagesPerSecond, 5);
  assert.equal(
    formatProgress(s),
    'stage 1/3 none classify · epoch 2/2 · step 1/4 · 5.0 img/s · ETA 22 s',
  ); // 2 s × (3 + 4 + 4)
  at(12, { type: 'stage-end', stage: 'classify', label: 'none w', cancelled: false });
  at(12, {
    type: 'phase',
    phase: 'eval-teacher',
    label: 'teacher',
    text: 'evaluating the teacher on 60 test images',
  });
  // Between stages a phase stands alone, with the ETA of the 8 steps left at 2 s a step.
  assert.equal(
    formatProgress(p.snapshot()!),
    'evaluating the teacher on 60 test images · ETA 16 s',
  );
  at(20, {
    type: 'stage-start',
    stage: 'ab-init',
    label: 'ab+kd w',
    epochs: 1,
    stepsPerEpoch: 4,
    fromEpoch: 0,
  });
  at(22, step('ab-init', 'ab+kd w', 0, 0)); // warm-up
  at(23, step('ab-init', 'ab+kd w', 0, 1));
  // init: 1 s/step measured; 2 steps left here, 4 classify steps at 2 s.
  s = p.snapshot()!;
  assert.deepEqual(
    [s.stage, s.title, s.imagesPerSecond, s.etaSeconds],
    [2, 'ab+kd init', 10, 2 * 1 + 4 * 2],
  );
});

test('a resumed run: finished stages are skipped, a mid-epoch start counts only the steps run now', () => {
  const { p, at } = clocked();
  at(0, {
    type: 'plan',
    stages: [
      stage({ stage: 'classify', label: 'none w', epochs: 2, done: true }),
      stage({ stage: 'classify', label: 'kd w', epochs: 3 }),
    ],
  });
  at(0, {
    type: 'stage-start',
    stage: 'classify',
    label: 'kd w',
    epochs: 3,
    stepsPerEpoch: 4,
    fromEpoch: 1,
    fromStep: 2,
  });
  at(4, step('classify', 'kd w', 1, 2)); // warm-up (restoring the checkpoint)
  at(6, step('classify', 'kd w', 1, 3));
  const s = p.snapshot()!;
  // 1 step in 2 s; left: (3 − 1)·4 − 4 = 4 steps.
  assert.deepEqual(
    [s.stage, s.stages, s.epochsDone, s.step, s.imagesPerSecond, s.etaSeconds],
    [2, 2, 1, 4, 5, 8],
  );
  assert.equal(
    formatProgress(s),
    'stage 2/2 kd classify · epoch 2/3 · step 4/4 · 5.0 img/s · ETA 8 s',
  );
});

test('without a plan (abd train) a stage is its own plan; phases before any stage are shown alone', () => {
  const { p, at } = clocked();
  assert.equal(p.snapshot(), undefined);
  at(0, {
    type: 'phase',
    phase: 'load-data',
    label: 'fashion-mnist',
    text: 'loading fashion-mnist',
  });
  assert.equal(formatProgress(p.snapshot()!), 'loading fashion-mnist');
  at(1, {
    type: 'stage-start',
    stage: 'teacher',
    label: 'teacher wrn-16-2',
    epochs: 8,
    stepsPerEpoch: 4,
    fromEpoch: 0,
  });
  at(2, step('teacher', 'teacher wrn-16-2', 0, 0));
  at(3, step('teacher', 'teacher wrn-16-2', 0, 1));
  assert.equal(
    formatProgress(p.snapshot()!),
    'stage 1/1 teacher wrn-16-2 · epoch 1/8 · step 2/4 · 10 img/s · ETA 30 s',
  );
});

test('sampled steps (a remote run): a first event covering several steps is measured', () => {
  const { p, at } = clocked();
  at(0, {
    type: 'stage-start',
    stage: 'classify',
    label: 'kd w',
    epochs: 1,
    stepsPerEpoch: 4,
    fromEpoch: 0,
    fromStep: 0,
  });
  at(2, step('classify', 'kd w', 0, 1)); // 2 steps in 2 s
  const s = p.snapshot()!;
  assert.deepEqual([s.step, s.imagesPerSecond, s.etaSeconds], [2, 10, 2]);
});

test('planRun lists the stages runPipeline runs, with their steps', () => {
  const cfg = tinyConfig('/nowhere'); // methods none, kd, ab+kd; e1 = e2 = 1; batch 32; teacher trained 1 epoch
  const plan = planRun(cfg, { teacherImages: 150, studentImages: 64 }, new Set(['kd']));
  assert.deepEqual(
    plan.map((s) => [s.stage, s.label, s.epochs, s.stepsPerEpoch, s.imagesPerStep, s.done]),
    [
      ['teacher', 'teacher wrn-10-1', 1, 5, 30, false],
      ['classify', 'none wrn-10-1', 2, 2, 32, false],
      ['classify', 'kd wrn-10-1', 2, 2, 32, true],
      ['ab-init', 'ab+kd wrn-10-1', 1, 2, 32, false],
      ['classify', 'ab+kd wrn-10-1', 1, 2, 32, false],
    ],
  );
  const remote = planRun(
    { ...cfg, teacher: { ...cfg.teacher, checkpoint: 'models/t' } },
    { teacherImages: 0, studentImages: 0 },
  );
  assert.deepEqual(
    remote.map((s) => [s.stage, s.stepsPerEpoch]),
    [
      ['classify', 0],
      ['classify', 0],
      ['ab-init', 0],
      ['classify', 0],
    ],
  );
});

test('durations and rates read as a person plans with them', () => {
  assert.deepEqual([0.2, 45, 59.4, 59.6, 240, 269, 3570, 3900, 7260].map(formatDuration), [
    '0 s',
    '45 s',
    '59 s',
    '1 min',
    '4 min',
    '4 min',
    '1 h 00 min',
    '1 h 05 min',
    '2 h 01 min',
  ]);
  assert.deepEqual([47.4, 10, 9.96, 3.24].map(formatRate), [
    '47 img/s',
    '10 img/s',
    '10.0 img/s',
    '3.2 img/s',
  ]);
});
