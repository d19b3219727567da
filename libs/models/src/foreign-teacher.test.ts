import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TeacherFormatError, transpose4 } from './foreign-teacher';
import { loadForeignTeacher, tapCandidates } from './load-foreign-teacher';
import { writeExport } from './export-files';
import { resnetGraph } from './export-resnet';
import { ResNet } from './resnet';
import { parseResNetName } from './resnet-config';
import { maxAbsDiff, randomizeBn } from './testing/export-fixtures';

const REF = join(__dirname, '..', 'reference');
let dir: string;

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'abd-teacher-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A small Keras-style CNN with non-trivial BN, saved as model.json + weights.bin like tensorflowjs_converter does. */
async function savedLayersModel(out: string): Promise<tf.LayersModel> {
  const x = tf.input({ shape: [9, 7, 3] });
  let h = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      name: 'c1',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'r1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'c2',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'r2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers
    .dense({
      units: 5,
      name: 'logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: y });
  let seed = 10;
  for (const name of ['bn1', 'bn2']) {
    const l = model.getLayer(name);
    // gamma, beta, moving mean, moving variance: as after training.
    l.setWeights(
      l
        .getWeights()
        .map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -0.5, 1.5, 'float32', seed++)),
    );
  }
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      await writeFile(join(out, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      const json = {
        format: 'layers-model',
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      };
      await writeFile(join(out, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return model;
}

describe('tfjs LayersModel teacher', () => {
  it('gives the logits of model.predict and the outputs of the tapped layers', async () => {
    const model = await savedLayersModel(dir);
    const shape = [2, 9, 7, 3] as const;
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 7);
    const images = (await x.data()) as Float32Array;
    const teacher = await loadForeignTeacher(dir, { taps: ['bn1', 'bn2'] });
    assert.equal(teacher.format, 'tfjs-layers');
    const out = await teacher.run(images, shape);
    const logits = model.predict(x) as tf.Tensor;
    assert.deepEqual(out.logits.shape, [2, 5]);
    assert.ok(maxAbsDiff(out.logits.values, await logits.data()) <= 1e-5);
    const inner = tf.model({
      inputs: model.inputs,
      outputs: ['bn1', 'bn2'].map((n) => model.getLayer(n).output as tf.SymbolicTensor),
    });
    const [a1, a2] = inner.predict(x) as tf.Tensor[];
    assert.deepEqual(out.taps.bn1.shape, [2, 9, 7, 4]);
    assert.deepEqual(out.taps.bn2.shape, [2, 5, 4, 6]);
    const d1 = maxAbsDiff(out.taps.bn1.values, await a1.data());
    const d2 = maxAbsDiff(out.taps.bn2.values, await a2.data());
    assert.ok(d1 <= 1e-5 && d2 <= 1e-5, `max |Δ| ${d1}, ${d2}`);
    // The pre-activation taps are not all non-negative (they are not the ReLU outputs).
    assert.ok(out.taps.bn1.values.some((v) => v < 0));
    teacher.dispose();
    model.dispose();
    tf.dispose([x, logits, a1, a2]);
  });

  it('lists its layers with their shapes, and names the layers when a tap is unknown', async () => {
    const { format, input, candidates } = await tapCandidates(join(dir, 'model.json'));
    assert.equal(format, 'tfjs-layers');
    assert.deepEqual(input, [1, 9, 7, 3]);
    assert.deepEqual(
      candidates.find((c) => c.name === 'bn2'),
      { name: 'bn2', op: 'BatchNormalization', shape: [1, 5, 4, 6] },
    );
    await assert.rejects(
      loadForeignTeacher(dir, { taps: ['bn9'] }),
      (e: Error) => e instanceof TeacherFormatError && /no layer 'bn9'.*bn1, r1/.test(e.message),
    );
  });
});

describe('a teacher with several outputs', () => {
  it('takes its logits from the layer named by `logits`; without it the error says to name them', async () => {
    const out = join(dir, 'two-outputs');
    await mkdir(out, { recursive: true });
    const x = tf.input({ shape: [6, 5, 2] });
    const pre = tf.layers
      .conv2d({
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        name: 'pre',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }),
      })
      .apply(x) as tf.SymbolicTensor;
    const feat = tf.layers
      .globalAveragePooling2d({ name: 'feat' })
      .apply(tf.layers.reLU({}).apply(pre)) as tf.SymbolicTensor;
    const y = tf.layers
      .dense({
        units: 4,
        name: 'head',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
      })
      .apply(feat) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: [feat, y] });
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        await writeFile(join(out, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        await writeFile(
          join(out, 'model.json'),
          JSON.stringify({
            format: 'layers-model',
            modelTopology: a.modelTopology,
            weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
          }),
        );
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    await assert.rejects(
      loadForeignTeacher(out, { taps: ['pre'] }),
      (e: Error) =>
        e instanceof TeacherFormatError &&
        /2 outputs; name the logits layer \(teacher\.logits\)/.test(e.message),
    );
    await assert.rejects(
      loadForeignTeacher(out, { taps: ['pre'], logits: 'nope' }),
      (e: Error) => e instanceof TeacherFormatError && /no layer 'nope'/.test(e.message),
    );
    const teacher = await loadForeignTeacher(out, { taps: ['pre'], logits: 'head' });
    const xs = tf.randomNormal([2, 6, 5, 2], 0, 1, 'float32', 3);
    const got = await teacher.run((await xs.data()) as Float32Array, [2, 6, 5, 2]);
    const [, logits] = model.predict(xs) as tf.Tensor[];
    assert.deepEqual(got.logits.shape, [2, 4]);
    assert.ok(maxAbsDiff(got.logits.values, await logits.data()) <= 1e-5);
    assert.deepEqual(got.taps.pre.shape, [2, 6, 5, 3]);
    teacher.dispose();
    model.dispose();
    tf.dispose([xs, logits]);
  });

  it('an ONNX teacher names a value of its graph as logits, or is told the value is unknown', async () => {
    const onnx = join(REF, 'tiny_teacher.onnx');
    await assert.rejects(
      loadForeignTeacher(onnx, { taps: ['/net/conv1/Conv_output_0'], logits: 'nope' }),
      (e: Error) =>
        e instanceof TeacherFormatError &&
        /no value 'nope' in the graph for the logits/.test(e.message),
    );
    const t = await loadForeignTeacher(onnx, {
      taps: ['/net/conv1/Conv_output_0'],
      logits: '/net/conv2/Conv_output_0',
    });
    const got = await t.run(new Float32Array(12 * 10 * 3), [1, 12, 10, 3]);
    assert.deepEqual(
      got.logits.shape,
      [1, 6, 6, 5],
      'the named value, as the graph computes it (NCHW, not transposed)',
    );
    t.dispose();
  });
});

describe('tfjs GraphModel teacher', () => {
  it('gives the logits and pre-ReLU taps of the model it was exported from, by graph node name', async () => {
    const model = new ResNet({ ...parseResNetName('resnet8'), inChannels: 3, numClasses: 4 }, 2);
    randomizeBn(model, 21);
    const g = resnetGraph(model);
    const out = join(dir, 'graph');
    await writeExport(g, 'tfjs-graph', out);
    const shape = [2, 10, 9, 3] as const;
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 9) as tf.Tensor4D;
    const teacher = await loadForeignTeacher(out, { taps: g.taps });
    assert.equal(teacher.format, 'tfjs-graph');
    const got = await teacher.run((await x.data()) as Float32Array, shape);
    const own = model.forward(x, { training: false });
    assert.deepEqual(got.logits.shape, own.logits.shape);
    const dl = maxAbsDiff(got.logits.values, await own.logits.data());
    assert.ok(dl <= 1e-5, `max |Δlogit| ${dl}`);
    assert.equal(own.taps.length, g.taps.length);
    for (let i = 0; i < g.taps.length; i++) {
      assert.deepEqual(got.taps[g.taps[i]].shape, own.taps[i].shape);
      const d = maxAbsDiff(got.taps[g.taps[i]].values, await own.taps[i].data());
      assert.ok(d <= 1e-5, `${g.taps[i]}: max |Δ| ${d}`);
    }
    const listed = await tapCandidates(out, [1, 10, 9, 3]);
    assert.equal(listed.format, 'tfjs-graph');
    assert.deepEqual(listed.candidates.find((c) => c.name === g.taps[2])?.shape, [
      1,
      3,
      3,
      own.taps[2].shape[3],
    ]);
    await assert.rejects(
      tapCandidates(out),
      (e: Error) => e instanceof TeacherFormatError && /free.*--input/.test(e.message),
    );
    await assert.rejects(
      loadForeignTeacher(out, { taps: ['nope'] }),
      (e: Error) => e instanceof TeacherFormatError && /no graph node 'nope'/.test(e.message),
    );
    teacher.dispose();
    model.dispose();
    tf.dispose([x, own.logits, ...own.taps]);
  });
});

interface Dump {
  input: { shape: number[]; values: number[] };
  logits: { shape: number[]; values: number[] };
  taps: Record<string, { shape: number[]; values: number[] }>;
}

describe('ONNX teacher (from torch.onnx.export)', () => {
  const onnx = join(REF, 'tiny_teacher.onnx');

  it('is the committed file (SHA-256)', async () => {
    const want = (await readFile(`${onnx}.sha256`, 'utf8')).split(/\s+/)[0];
    assert.equal(
      createHash('sha256')
        .update(await readFile(onnx))
        .digest('hex'),
      want,
    );
  });

  it('gives the logits and the pre-ReLU activations PyTorch computes', async () => {
    const dump = JSON.parse(await readFile(join(REF, 'tiny_teacher.json'), 'utf8')) as Dump;
    const taps = Object.keys(dump.taps);
    assert.equal(taps.length, 2);
    const [n, c, h, w] = dump.input.shape;
    const images = transpose4(Float32Array.from(dump.input.values), dump.input.shape, false);
    const teacher = await loadForeignTeacher(onnx, { taps });
    const out = await teacher.run(images, [n, h, w, c]);
    assert.deepEqual(out.logits.shape, dump.logits.shape);
    const dl = maxAbsDiff(out.logits.values, dump.logits.values);
    assert.ok(dl <= 1e-5, `max |Δlogit| ${dl}`);
    for (const t of taps) {
      const ref = dump.taps[t];
      const [rn, rc, rh, rw] = ref.shape;
      assert.deepEqual(out.taps[t].shape, [rn, rh, rw, rc], t);
      const d = maxAbsDiff(
        out.taps[t].values,
        transpose4(Float32Array.from(ref.values), ref.shape, false),
      );
      assert.ok(d <= 1e-5, `${t}: max |Δ| ${d}`);
    }
    teacher.dispose();
  });

  it('lists the graph values with their shapes; unknown taps and formats are clear errors', async () => {
    const { format, input, candidates } = await tapCandidates(onnx);
    assert.equal(format, 'onnx');
    assert.deepEqual(input, [1, 12, 10, 3]);
    assert.deepEqual(
      candidates.find((x) => x.name === '/net/conv2/Conv_output_0'),
      { name: '/net/conv2/Conv_output_0', op: 'Conv', shape: [1, 6, 5, 6] },
    );
    assert.deepEqual((await tapCandidates(onnx, [3, 12, 10, 3])).input, [3, 12, 10, 3]);
    await assert.rejects(
      loadForeignTeacher(onnx, { taps: ['conv9'] }),
      (e: Error) => e instanceof TeacherFormatError && /no value 'conv9'/.test(e.message),
    );
    await writeFile(join(dir, 'teacher.pt'), 'not a model');
    await assert.rejects(
      tapCandidates(join(dir, 'teacher.pt')),
      (e: Error) => e instanceof TeacherFormatError && /unknown model format/.test(e.message),
    );
    await writeFile(join(dir, 'bad.onnx'), 'not a model');
    await assert.rejects(
      tapCandidates(join(dir, 'bad.onnx')),
      (e: Error) => e instanceof TeacherFormatError && /not an ONNX model/.test(e.message),
    );
  });
});
