import { test } from 'node:test';
import assert from 'node:assert/strict';
import { studentTrainer } from '@abd/proto';
import { JobEventDecoder } from './job-events';

const S = studentTrainer.JobState;
let seq = 0;
const ev = (event: studentTrainer.JobEvent['event']): studentTrainer.JobEvent => ({
  jobId: 'j',
  seq: ++seq,
  timeMs: 0,
  event,
});
const progress = (
  stage: string,
  epoch: number,
  done: number,
  label = 'ab+kd wrn-10-1',
): studentTrainer.JobEvent =>
  ev({
    $case: 'progress',
    progress: {
      stage,
      done,
      total: 4,
      unit: 'batches',
      rate: 0,
      message: '',
      epoch,
      totalEpochs: 2,
      label,
    },
  });

test('job events decode into the train events of the run they came from', () => {
  const d = new JobEventDecoder();
  const all = [
    ev({
      $case: 'phase',
      phase: { name: 'load-data', label: 'fashion-mnist', text: 'loading fashion-mnist' },
    }),
    ev({ $case: 'log', log: 'ab+kd wrn-10-1: ab-init from epoch 2 of 2' }),
    progress('ab-init', 2, 1), // the stage starts at epoch 2, batch 1 (a resumed stage)
    progress('ab-init', 2, 3),
    ev({
      $case: 'epoch',
      epoch: {
        stage: 'ab-init',
        epoch: 2,
        totalEpochs: 2,
        lr: 0,
        metrics: {},
        similarity: [],
        seconds: 1.5,
        text: '',
      },
    }),
    progress('classify', 1, 0),
    ev({ $case: 'phase', phase: { name: 'bogus', label: '', text: '' } }),
    progress('extract', 1, 2), // not a training stage
    ev({
      $case: 'state',
      state: { previous: S.JOB_STATE_RUNNING, current: S.JOB_STATE_CANCELLED, reason: '' },
    }),
  ].flatMap((e) => d.decode(e));
  assert.deepEqual(all, [
    { type: 'phase', phase: 'load-data', label: 'fashion-mnist', text: 'loading fashion-mnist' },
    {
      type: 'stage-start',
      stage: 'ab-init',
      label: 'ab+kd wrn-10-1',
      epochs: 2,
      stepsPerEpoch: 4,
      fromEpoch: 1,
      fromStep: 1,
    },
    {
      type: 'step',
      stage: 'ab-init',
      label: 'ab+kd wrn-10-1',
      epoch: 1,
      step: 2,
      stepsPerEpoch: 4,
      loss: NaN,
      lr: NaN,
    },
    { type: 'epoch', stage: 'ab-init', label: 'ab+kd wrn-10-1', epoch: 1, seconds: 1.5 },
    {
      type: 'stage-start',
      stage: 'classify',
      label: 'ab+kd wrn-10-1',
      epochs: 2,
      stepsPerEpoch: 4,
      fromEpoch: 0,
      fromStep: 0,
    },
    { type: 'stage-end', stage: 'classify', label: 'ab+kd wrn-10-1', cancelled: true },
  ]);
});
