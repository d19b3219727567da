import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { DataError } from './data-error';
import type { DatasetSpec } from './dataset-spec';
import { encodeIdx } from './idx';
import { loadDatasetSpec } from './load-dataset-spec';
import { encodeNpy } from './npy';
import { pattern, tempDir } from './test-fixtures';
import { encodeZip } from './zip-fixture';

const tmp = tempDir();
after(tmp.cleanup);
const sub = (name: string): string => {
  const d = join(tmp.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const labelsOf = (n: number, classes: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7) % classes);

async function rejectsWith(spec: DatasetSpec, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadDatasetSpec(spec), (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.ok(e.message.includes(file), `message names ${file}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('IDX: 3 channels, 20 classes, 24×32 images are read as written; shape and classes from the data', async () => {
  const d = sub('idx');
  const [h, w, c] = [24, 32, 3];
  const trainImages = pattern(40, h * w * c);
  const trainLabels = labelsOf(40, 20);
  const testImages = pattern(20, h * w * c).map((v) => 255 - v);
  const testLabels = labelsOf(20, 20);
  writeFileSync(
    join(d, 'train-images-idx3-ubyte.gz'),
    gzipSync(encodeIdx([40, h, w, c], trainImages)),
  );
  writeFileSync(join(d, 'train-labels-idx1-ubyte'), encodeIdx([40], trainLabels));
  writeFileSync(join(d, 't10k-images-idx3-ubyte'), encodeIdx([20, h, w, c], testImages));
  writeFileSync(join(d, 't10k-labels-idx1-ubyte'), encodeIdx([20], testLabels));
  const r = await loadDatasetSpec({ format: 'idx', path: d });
  assert.deepEqual(
    [r.train.n, r.train.height, r.train.width, r.train.channels, r.train.classes],
    [40, 24, 32, 3, 20],
  );
  assert.deepEqual(r.train.images, trainImages);
  assert.deepEqual(r.train.labels, trainLabels);
  assert.deepEqual(r.test.images, testImages);
  assert.deepEqual(r.test.labels, testLabels);
  assert.deepEqual(r.train.classNames.slice(0, 3), ['0', '1', '2']);
  assert.equal(r.stats.mean.length, 3);
  const names = Array.from({ length: 20 }, (_, i) => `class-${i}`);
  const named = await loadDatasetSpec({ format: 'idx', path: d, classNames: names });
  assert.deepEqual(named.test.classNames, names);
  // Fewer names than labels: the label's position is named.
  await rejectsWith(
    { format: 'idx', path: d, classNames: names.slice(0, 5) },
    join(d, 'train-labels-idx1-ubyte'),
    /label 1 at byte 9: label 7 is not a class index 0\.\.4/,
  );
  // Count mismatch and truncation name the file and position.
  writeFileSync(join(d, 't10k-labels-idx1-ubyte'), encodeIdx([19], testLabels.subarray(0, 19)));
  await rejectsWith(
    { format: 'idx', path: d },
    join(d, 't10k-labels-idx1-ubyte'),
    /count mismatch: .*has 20 images, .* has 19 labels/,
  );
  const full = encodeIdx([20, h, w, c], testImages);
  writeFileSync(join(d, 't10k-images-idx3-ubyte'), full.subarray(0, full.length - 5));
  await rejectsWith(
    { format: 'idx', path: d },
    join(d, 't10k-images-idx3-ubyte'),
    new RegExp(`truncated at byte ${full.length - 5}`),
  );
});

test('normalization stats of the training split equal hand-computed values', async () => {
  const d = sub('stats');
  // Two 1×1 images with two channels: channel 0 = 0, 255 → mean 0.5, std 0.5; channel 1 = 51, 102 → 0.3, 0.1.
  writeFileSync(
    join(d, 'train-images-idx3-ubyte'),
    encodeIdx([2, 1, 1, 2], Uint8Array.from([0, 51, 255, 102])),
  );
  writeFileSync(join(d, 'train-labels-idx1-ubyte'), encodeIdx([2], Uint8Array.from([0, 1])));
  writeFileSync(
    join(d, 't10k-images-idx3-ubyte'),
    encodeIdx([1, 1, 1, 2], Uint8Array.from([9, 9])),
  );
  writeFileSync(join(d, 't10k-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.from([1])));
  const { stats } = await loadDatasetSpec({ format: 'idx', path: d });
  [0.5, 0.3].forEach((m, k) =>
    assert.ok(Math.abs(stats.mean[k] - m) < 1e-12, `mean ${k}: ${stats.mean[k]}`),
  );
  [0.5, 0.1].forEach((s, k) =>
    assert.ok(Math.abs(stats.std[k] - s) < 1e-12, `std ${k}: ${stats.std[k]}`),
  );
});

/** A CIFAR-style record: label, then channel planes; pixel value from (record, channel, position). */
const px = (r: number, ch: number, p: number): number => (r * 31 + ch * 17 + p * 3) & 0xff;
function records(labels: number[], first: number, h: number, w: number, c: number): Uint8Array {
  const rec = 1 + c * h * w;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((l, i) => {
    out[i * rec] = l;
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) out[i * rec + 1 + ch * h * w + p] = px(first + i, ch, p);
  });
  return out;
}

test('CIFAR-style binary by path: default 32×32×3 and a stated shape, CHW converted to NHWC', async () => {
  const d = sub('cifar');
  writeFileSync(join(d, 'a.bin'), records([3, 11], 0, 32, 32, 3));
  writeFileSync(join(d, 'b.bin'), records([0], 2, 32, 32, 3));
  writeFileSync(join(d, 't.bin'), records([11, 5], 3, 32, 32, 3));
  const r = await loadDatasetSpec({
    format: 'cifar-binary',
    path: d,
    files: { train: ['a.bin', 'b.bin'], test: ['t.bin'] },
  });
  assert.deepEqual(
    [r.train.n, r.train.height, r.train.width, r.train.channels, r.train.classes],
    [3, 32, 32, 3, 12],
  );
  assert.deepEqual(Array.from(r.train.labels), [3, 11, 0]);
  for (let i = 0; i < 3; i++) {
    for (const p of [0, 1, 500, 1023]) {
      for (let ch = 0; ch < 3; ch++)
        assert.equal(r.train.images[(i * 1024 + p) * 3 + ch], px(i, ch, p));
    }
  }
  assert.equal(r.test.images[(1 * 1024 + 7) * 3 + 2], px(4, 2, 7));
  const e = sub('cifar-small');
  writeFileSync(join(e, 'tr.bin'), records([0, 1, 2], 0, 5, 7, 1));
  writeFileSync(join(e, 'te.bin'), records([2], 3, 5, 7, 1));
  const spec: DatasetSpec = {
    format: 'cifar-binary',
    path: e,
    shape: { height: 5, width: 7, channels: 1 },
    files: { train: ['tr.bin'], test: ['te.bin'] },
  };
  const s = await loadDatasetSpec(spec);
  assert.deepEqual(
    s.train.images,
    Uint8Array.from({ length: 3 * 35 }, (_, k) => px(Math.floor(k / 35), 0, k % 35)),
  );
  writeFileSync(join(e, 'te.bin'), records([2, 1], 3, 5, 7, 1).subarray(0, 60));
  await rejectsWith(
    spec,
    join(e, 'te.bin'),
    /at byte 36: 60 bytes is not a positive multiple of the 36-byte record/,
  );
});

test('NumPy: .npy uint8 NHWC and float32 NCHW, .npz stored and deflated, read back exactly', async () => {
  const [n, h, w, c] = [6, 3, 5, 2];
  const nhwc = pattern(n, h * w * c);
  const labels = [0, 1, 2, 0, 1, 2];
  // The same images in NCHW as float32 k/255.
  const nchw = new Float32Array(nhwc.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h * w; y++)
      for (let ch = 0; ch < c; ch++)
        nchw[(i * c + ch) * h * w + y] = nhwc[(i * h * w + y) * c + ch] / 255;
  const d = sub('npy');
  writeFileSync(join(d, 'train-images.npy'), encodeNpy('|u1', [n, h, w, c], nhwc));
  writeFileSync(join(d, 'train-labels.npy'), encodeNpy('<i8', [n], labels));
  writeFileSync(join(d, 'test-images.npy'), encodeNpy('|u1', [n, h, w, c], nhwc));
  writeFileSync(join(d, 'test-labels.npy'), encodeNpy('<i8', [n], labels));
  const a = await loadDatasetSpec({ format: 'npy', path: d, layout: 'nhwc' });
  assert.deepEqual(
    [a.train.height, a.train.width, a.train.channels, a.train.classes],
    [h, w, c, 3],
  );
  assert.deepEqual(a.train.images, nhwc);
  assert.deepEqual(Array.from(a.test.labels), labels);
  const e = sub('npy-f32');
  writeFileSync(join(e, 'train-images.npy'), encodeNpy('<f4', [n, c, h, w], nchw));
  writeFileSync(join(e, 'train-labels.npy'), encodeNpy('<i8', [n], labels));
  writeFileSync(join(e, 'test-images.npy'), encodeNpy('<f4', [n, c, h, w], nchw));
  writeFileSync(join(e, 'test-labels.npy'), encodeNpy('<i8', [n], labels));
  const b = await loadDatasetSpec({ format: 'npy', path: e, layout: 'nchw' });
  assert.deepEqual([b.train.height, b.train.width, b.train.channels], [h, w, c]);
  assert.deepEqual(b.train.images, nhwc);
  await assert.rejects(loadDatasetSpec({ format: 'npy', path: e }), /needs layout: nhwc or nchw/);
  const full = readFileSync(join(e, 'test-images.npy'));
  writeFileSync(join(e, 'test-images.npy'), full.subarray(0, full.length - 4));
  await rejectsWith(
    { format: 'npy', path: e, layout: 'nchw' },
    join(e, 'test-images.npy'),
    new RegExp(
      `at byte ${full.length - 4}: truncated data: shape \\(6, 2, 3, 5\\) of <f4 needs 720 bytes, file has 716`,
    ),
  );
  writeFileSync(join(e, 'test-labels.npy'), encodeNpy('<i8', [n - 1], labels.slice(1)));
  writeFileSync(join(e, 'test-images.npy'), full);
  await rejectsWith(
    { format: 'npy', path: e, layout: 'nchw' },
    join(e, 'test-labels.npy'),
    /count mismatch: .* has 6 images, .* has 5 labels/,
  );

  for (const deflate of [false, true]) {
    const file = join(tmp.dir, `data-${deflate}.npz`);
    const entries: [string, Uint8Array][] = [
      ['x_train.npy', encodeNpy('|u1', [n, h, w, c], nhwc)],
      ['y_train.npy', encodeNpy('<i8', [n], labels)],
      [
        'x_test.npy',
        encodeNpy(
          '<f4',
          [n, h, w, c],
          Float32Array.from(nhwc, (v) => v / 255),
        ),
      ],
      ['y_test.npy', encodeNpy('<i8', [n], labels)],
    ];
    writeFileSync(file, encodeZip(entries, deflate));
    const z = await loadDatasetSpec({ format: 'npz', path: file, layout: 'nhwc' });
    assert.deepEqual(z.train.images, nhwc);
    assert.deepEqual(z.test.images, nhwc);
    assert.deepEqual(Array.from(z.train.labels), labels);
    // A flipped byte inside an entry's data: the entry and its offset are named.
    const bad = Buffer.from(readFileSync(file));
    bad[30 + 'x_train.npy'.length + 100] ^= 0xff;
    writeFileSync(file, bad);
    await rejectsWith(
      { format: 'npz', path: file, layout: 'nhwc' },
      file,
      /entry 'x_train\.npy' at byte 41: (CRC-32 mismatch|corrupt deflate|inflates)/,
    );
    writeFileSync(file, bad.subarray(0, bad.length - 30));
    await rejectsWith(
      { format: 'npz', path: file, layout: 'nhwc' },
      file,
      /no zip end-of-central-directory record/,
    );
  }
});
