import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  assignState,
  CHECKPOINT_FORMAT,
  CheckpointError,
  loadWrn,
  saveWrn,
  sha256,
  Wrn,
} from './index';

before(async () => {
  await tf.setBackend('cpu');
});

const CFG = { depth: 10, widen: 1, inChannels: 1, numClasses: 10 };

/** A trained-looking model: non-default weights and running stats (one train-mode forward). */
function model(seed: number): Wrn {
  const m = new Wrn(CFG, 'paper', seed);
  tf.tidy(() => {
    m.params.get('bn.gamma')!.assign(tf.randomUniform([64], 0.5, 1.5, 'float32', seed));
    m.forward(tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', seed) as tf.Tensor4D, {
      training: true,
    });
  });
  return m;
}

const isCheckpointError = (re: RegExp) => (e: unknown) =>
  e instanceof CheckpointError && re.test(e.message);

describe('WRN checkpoints', () => {
  it('saveWrn → loadWrn: identical params, stats, logits; extra tensors come back', async () => {
    const m = model(3);
    const step = tf.scalar(17, 'int32');
    const mom = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
    const saved = await saveWrn(
      m,
      { epoch: 4, dataset: 'fashion-mnist' },
      new Map([
        ['opt.step', step],
        ['opt.m', mom],
      ]),
    );
    assert.equal(saved.json.format, CHECKPOINT_FORMAT);
    assert.equal(saved.json.weightsBytes, saved.weights.byteLength);
    assert.equal(saved.json.weightsSha256, sha256(saved.weights));
    const jsonText = JSON.stringify(saved.json);
    const loaded = loadWrn(jsonText, saved.weights, 'ckpt-a');
    try {
      assert.deepEqual(loaded.model.config, m.config);
      assert.deepEqual(loaded.json.metadata, { epoch: 4, dataset: 'fashion-mnist' });
      for (const [kind, a, b] of [
        ['param', m.params, loaded.model.params],
        ['stat', m.stats, loaded.model.stats],
      ] as const) {
        assert.deepEqual([...b.keys()], [...a.keys()], kind);
        for (const [name, v] of a)
          assert.deepEqual(b.get(name)!.dataSync(), v.dataSync(), `${kind} ${name}`);
      }
      assert.ok(
        m.stats
          .get('bn.mean')!
          .dataSync()
          .some((x) => x !== 0),
        'stats were moved before saving',
      );
      assert.deepEqual([...loaded.extra.keys()].sort(), ['opt.m', 'opt.step']);
      assert.equal(loaded.extra.get('opt.step')!.dtype, 'int32');
      assert.equal(loaded.extra.get('opt.step')!.dataSync()[0], 17);
      assert.deepEqual(loaded.extra.get('opt.m')!.dataSync(), mom.dataSync());
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
      for (const training of [false, true]) {
        const opts = { training, updateStats: false };
        const [a, b] = [m, loaded.model].map((mm) => tf.tidy(() => mm.forward(x, opts).logits));
        assert.deepEqual(b.dataSync(), a.dataSync(), `logits, training=${training}`);
        tf.dispose([a, b]);
      }
      x.dispose();
    } finally {
      loaded.model.dispose();
      tf.dispose([...loaded.extra.values(), step, mom]);
      m.dispose();
    }
  });

  it('an extra tensor named like a model tensor is refused', async () => {
    const m = model(1);
    const t = tf.zeros([1]);
    // saveWrn throws synchronously here although it returns a Promise; accept either.
    await assert.rejects(
      async () => saveWrn(m, {}, new Map([['fc.b', t]])),
      isCheckpointError(/'fc\.b' collides/),
    );
    t.dispose();
    m.dispose();
  });

  it('corrupt, truncated or foreign checkpoints throw CheckpointError, leaking nothing', async () => {
    const m = model(2);
    const saved = await saveWrn(m, {});
    m.dispose();
    const jsonText = JSON.stringify(saved.json);
    const before = tf.memory().numTensors;

    const flipped = saved.weights.slice();
    flipped[Math.floor(flipped.length / 2)] ^= 0x10;
    assert.throws(
      () => loadWrn(jsonText, flipped, 'ckpt-b'),
      isCheckpointError(/^ckpt-b: .*SHA-256/),
    );

    const truncated = saved.weights.slice(0, saved.weights.length - 4);
    const n = saved.weights.length;
    assert.throws(
      () => loadWrn(jsonText, truncated, 'ckpt-c'),
      isCheckpointError(new RegExp(`${n - 4} bytes.*says ${n}`)),
    );

    const wrongFormat = JSON.stringify({ ...saved.json, format: 'abd-checkpoint/v0' });
    assert.throws(
      () => loadWrn(wrongFormat, saved.weights),
      isCheckpointError(/unknown format 'abd-checkpoint\/v0'/),
    );
    assert.throws(() => loadWrn('{"format": ', saved.weights), isCheckpointError(/not valid JSON/));

    const notWrn = JSON.stringify({
      ...saved.json,
      modelTopology: { class_name: 'MLP', config: {} },
    });
    assert.throws(
      () => loadWrn(notWrn, saved.weights),
      isCheckpointError(/not a WRN checkpoint \(MLP\)/),
    );

    // A consistent checkpoint whose config disagrees with its tensors (widen 2 vs 1).
    const wider = JSON.stringify({
      ...saved.json,
      modelTopology: { class_name: 'WRN', config: { ...CFG, widen: 2 } },
    });
    assert.throws(
      () => loadWrn(wider, saved.weights, 'ckpt-d'),
      isCheckpointError(/^ckpt-d: tensor '.*' has shape/),
    );
    assert.equal(tf.memory().numTensors, before, 'failed loads dispose what they made');
  });

  it('assignState names a mismatched or missing tensor', () => {
    const m = new Wrn(CFG);
    try {
      // Copies: assigning a variable to itself corrupts it in tfjs.
      const state = new Map<string, tf.Tensor>(
        [...m.params, ...m.stats].map(([k, v]) => [k, tf.clone(v)]),
      );
      const bad = tf.zeros([3, 3, 1, 17]);
      assert.throws(
        () => assignState(m, new Map([...state, ['conv0.w', bad]]), 'src'),
        isCheckpointError(
          /src: tensor 'conv0\.w' has shape \[3,3,1,17\], the model needs \[3,3,1,16\]/,
        ),
      );
      const missing = new Map(state);
      missing.delete('g2.b0.bn1.var');
      assert.throws(
        () => assignState(m, missing, 'src'),
        isCheckpointError(/missing tensor 'g2\.b0\.bn1\.var'/),
      );
      // With a prefix, names are looked up as prefix + name.
      const prefixed = new Map(
        [...state].map(([k, v]) => [`student/${k}`, v] as [string, tf.Tensor]),
      );
      assignState(m, prefixed, 'src', 'student/');
      assert.throws(
        () => assignState(m, prefixed, 'src'),
        isCheckpointError(/missing tensor 'conv0\.w'/),
      );
      tf.dispose([bad, ...state.values()]);
    } finally {
      m.dispose();
    }
  });
});
