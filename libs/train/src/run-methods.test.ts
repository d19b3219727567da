import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyEpochsOf,
  epochRequestOf,
  hasInitStage,
  needsTeacherModel,
  RUN_METHODS,
  stagesOf,
} from './run-methods';

test('each run method has the stages, loss terms and teacher signals of the paper', () => {
  const want = {
    none: { init: undefined, kd: false, joint: undefined, classify: [] },
    kd: { init: undefined, kd: true, joint: undefined, classify: ['logits'] },
    'ab+kd': { init: ['ab', 'signs'], kd: true, joint: undefined, classify: ['logits'] },
    'ab+ce': { init: ['ab', 'signs'], kd: false, joint: undefined, classify: [] },
    'fitnets+kd': {
      init: ['fitnets', 'features'],
      kd: true,
      joint: undefined,
      classify: ['logits'],
    },
    'at+kd': { init: undefined, kd: true, joint: 'at', classify: ['logits', 'features'] },
    'fsp+kd': { init: ['fsp', 'features'], kd: true, joint: undefined, classify: ['logits'] },
    'jacobian+kd': {
      init: undefined,
      kd: true,
      joint: 'jacobian',
      classify: ['logits', 'input-gradients'],
    },
  };
  assert.deepEqual([...RUN_METHODS], Object.keys(want));
  for (const m of RUN_METHODS) {
    const s = stagesOf(m);
    const w = want[m];
    assert.deepEqual(s.init && [s.init.part, ...s.init.signals], w.init, m);
    assert.equal(s.classify.kd, w.kd, m);
    assert.equal(s.classify.joint, w.joint, m);
    assert.deepEqual(s.classify.signals, w.classify, m);
    assert.equal(hasInitStage(m), w.init !== undefined, m);
  }
});

test('a stage asks the batches for exactly its signals; only input gradients need the teacher model (features come with the batches)', () => {
  assert.deepEqual(epochRequestOf(stagesOf('ab+kd').init!.signals), { signs: true, logits: false });
  assert.deepEqual(epochRequestOf(stagesOf('ab+kd').classify.signals), {
    signs: false,
    logits: true,
  });
  assert.deepEqual(epochRequestOf(stagesOf('ab+ce').classify.signals), {
    signs: false,
    logits: false,
  });
  assert.deepEqual(epochRequestOf(stagesOf('fsp+kd').init!.signals), {
    signs: false,
    logits: false,
  });
  assert.equal(needsTeacherModel(stagesOf('ab+kd').init!.signals), false);
  assert.equal(needsTeacherModel(stagesOf('fitnets+kd').init!.signals), false);
  assert.equal(needsTeacherModel(stagesOf('at+kd').classify.signals), false);
  assert.equal(needsTeacherModel(stagesOf('jacobian+kd').classify.signals), true);
  assert.equal(needsTeacherModel(stagesOf('kd').classify.signals), false);
});

test('classification follows an init stage at data epoch E1; without one it trains E1 + E2 epochs', () => {
  const epochs = { e1: 3, e2: 7 };
  assert.deepEqual(classifyEpochsOf(epochs, 'ab+kd'), { epochs: 7, dataEpochOffset: 3 });
  assert.deepEqual(classifyEpochsOf(epochs, 'fsp+kd'), { epochs: 7, dataEpochOffset: 3 });
  assert.deepEqual(classifyEpochsOf(epochs, 'at+kd'), { epochs: 10, dataEpochOffset: 0 });
  assert.deepEqual(classifyEpochsOf(epochs, 'none'), { epochs: 10, dataEpochOffset: 0 });
});

test('a name that is not a run method: stagesOf says so, hasInitStage is false (the web view asks about `teacher`)', () => {
  assert.throws(() => stagesOf('bogus' as never), /'bogus' is not a run method \(none, kd,/);
  assert.equal(hasInitStage('teacher'), false);
  assert.equal(hasInitStage('ab+kd'), true);
});
