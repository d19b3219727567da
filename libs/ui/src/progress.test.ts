import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRunConfig } from '@abd/train';
import type { EpochEvent } from '@abd/train';
import { METHOD_COLORS, methodColor, TAP_COLORS, tapColor } from './colors';
import { plannedStages, progressText, runProgress } from './progress';

const cfg = validateRunConfig({
  name: 't/p',
  dataset: { name: 'fashion-mnist' },
  teacher: { arch: 'wrn-10-1', epochs: 2 },
  student: { arch: 'wrn-10-1' },
  methods: ['none', 'ab+kd'],
  epochs: { e1: 1, e2: 3 },
});
const ev = (epoch: number, seconds: number): EpochEvent => ({
  type: 'epoch',
  stage: 'classify',
  label: 'x',
  epoch,
  seconds,
  testSeconds: 1,
});

test('plannedStages and runProgress: the current stage, epochs done and an ETA at the mean epoch time', () => {
  assert.deepEqual(
    plannedStages(cfg).map((s) => `${s.owner}/${s.stage}/${s.epochs}`),
    ['teacher/teacher/2', 'none/classify/4', 'ab+kd/ab-init/1', 'ab+kd/classify/3'],
  );
  const histories = [
    { owner: 'teacher', stage: 'teacher', events: [ev(0, 3), ev(1, 3)] },
    { owner: 'none', stage: 'classify', events: [ev(0, 1), ev(1, 1), ev(2, 1), ev(3, 1)] },
    { owner: 'ab+kd', stage: 'ab-init', events: [ev(0, 5)] },
  ];
  const p = runProgress(cfg, histories, new Set(['none']));
  // 2 + 4 + 1 of 10 epochs; (4 + 4 + 4·2 + 6) / 7 s per epoch.
  assert.deepEqual(p.current, { owner: 'ab+kd', stage: 'classify', epochs: 3, epoch: 0 });
  assert.equal(p.done, 7);
  assert.equal(p.total, 10);
  assert.ok(Math.abs(p.secondsPerEpoch! - 22 / 7) < 1e-12);
  assert.ok(Math.abs(p.etaSeconds! - 66 / 7) < 1e-12);
  assert.equal(
    progressText(p, true),
    'ab+kd · classify · epoch 1/3 · 7/10 epochs done · 3.1 s/epoch · ETA 9.4 s',
  );
  assert.equal(
    progressText(p, false),
    'ab+kd · classify · epoch 1/3 · 7/10 epochs done · 3.1 s/epoch',
  );
  // Nothing saved yet: no rate, no ETA.
  assert.equal(
    progressText(runProgress(cfg, [], new Set()), true),
    'teacher · teacher · epoch 1/2 · 0/10 epochs done',
  );
});

test('colours: fixed per method and per tap, all distinct; other names hashed, stably', () => {
  const all = [...Object.values(METHOD_COLORS), ...Object.values(TAP_COLORS)];
  assert.equal(new Set(all).size, all.length);
  assert.equal(methodColor('kd'), METHOD_COLORS.kd);
  assert.equal(tapColor('tap3'), TAP_COLORS.tap3);
  assert.equal(methodColor('my-method'), methodColor('my-method'));
  assert.match(methodColor('my-method'), /^#[0-9a-f]{6}$/);
});
