import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { packSigns } from '@abd/distill';
import { Wrn } from '@abd/models';
import { GROUP_POINTS, teacherPoints, teacherSignals } from './teacher-signals';

let teacher: Wrn;
let x: tf.Tensor4D;
before(async () => {
  await tf.setBackend('cpu');
  teacher = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 4);
  // Seeded inputs, 3 images of 8×8 (taps 8×8×16, 4×4×32, 2×2×64; padding bits: sign-map-device.test).
  const v = new Float32Array(3 * 8 * 8);
  let s = 7;
  for (let i = 0; i < v.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = (s / 2147483648) * 4 - 2;
  }
  x = tf.tensor4d(v, [3, 8, 8, 1]);
  // The packer keeps one constant (its bit weights) from its first call on.
  teacherSignals(teacher, x, 'eval', { signs: ['tap1'] });
});
after(() => {
  teacher.dispose();
  x.dispose();
});

for (const mode of ['eval', 'train'] as const) {
  test(`teacherSignals (BN ${mode}) on the cpu backend: bits = packSigns of a direct forward, features and logits equal it`, () => {
    const direct = tf.tidy(() => {
      const o = teacher.forward(x, {
        training: mode === 'train',
        updateStats: false,
        groupMaps: true,
      });
      return { logits: o.logits, taps: o.taps, groups: o.groups! };
    });
    const points = ['tap2', 'group1.in', 'group3.out', 'group2.in'];
    const before = tf.memory().numTensors;
    const got = teacherSignals(teacher, x, mode, {
      signs: ['tap3', 'tap1', 'tap2'],
      features: points,
      logits: true,
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.deepEqual(
      got.signs.map((m) => m.name),
      ['tap3', 'tap1', 'tap2'],
    );
    for (const m of got.signs) {
      const t = direct.taps[teacher.tapNames.indexOf(m.name)];
      assert.deepEqual(m.shape, t.shape);
      const want = packSigns(t.dataSync(), m.shape);
      assert.deepEqual(Buffer.from(m.bits), Buffer.from(want), `bits of ${m.name}`);
      assert.ok(want.some((b) => b !== 0) && want.some((b) => b !== 255), 'both signs occur');
    }
    const byName = (p: string) =>
      p.startsWith('tap')
        ? direct.taps[teacher.tapNames.indexOf(p)]
        : direct.groups[(GROUP_POINTS as readonly string[]).indexOf(p)];
    assert.deepEqual(
      got.features.map((f) => f.name),
      points,
    );
    for (const f of got.features) {
      assert.deepEqual(f.shape, byName(f.name).shape);
      assert.deepEqual(f.values, byName(f.name).dataSync(), `values of ${f.name}`);
    }
    // group2.in is the map leaving group 1 ([n, 8, 8, 16] at widen 1).
    assert.deepEqual(got.features[3].shape, [3, 8, 8, 16]);
    assert.deepEqual(got.logits!.shape, [3, 10]);
    assert.deepEqual(got.logits!.values, direct.logits.dataSync());
    tf.dispose([direct.logits, ...direct.taps, ...direct.groups]);
  });
}

test('teacherSignals asks for nothing it was not asked for, and names a wrong point', () => {
  const none = teacherSignals(teacher, x, 'eval', {});
  assert.deepEqual(none, { signs: [], features: [] });
  assert.deepEqual(teacherPoints(teacher), ['tap1', 'tap2', 'tap3', ...GROUP_POINTS]);
  assert.throws(
    () => teacherSignals(teacher, x, 'eval', { features: ['group4.out'] }),
    /unknown teacher point 'group4.out' \(points: tap1, tap2, tap3, group1.in/,
  );
  assert.throws(
    () => teacherSignals(teacher, x, 'eval', { signs: ['group1.out'] }),
    /sign maps are of taps \(tap1, tap2, tap3\), not 'group1.out'/,
  );
});
