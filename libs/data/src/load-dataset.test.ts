import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from './data-error';
import { encodeIdx } from './idx';
import { loadDataset } from './load-dataset';
import { DEBIAN_FASHION_MNIST_DIR, locateFashionMnist } from './locate';
import { cifarBatch, tempDir, withEnv, writeIdxDataset } from './test-fixtures';

const tmp = tempDir();
after(tmp.cleanup);
const sub = (name: string): string => {
  const d = join(tmp.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const noSystem = { systemDir: join(tmp.dir, 'no-such-debian-dir'), download: false };

test('loads Fashion-MNIST and MNIST layouts from a configured dir (gzip and raw)', async () => {
  const gz = sub('fm-gz');
  const data = writeIdxDataset(gz, 12, 5);
  const train = await loadDataset('fashion-mnist', 'train', { dir: gz });
  assert.equal(train.n, 12);
  assert.deepEqual([train.height, train.width, train.channels, train.classes], [28, 28, 1, 10]);
  assert.deepEqual(train.images, data.trainImages);
  assert.deepEqual(train.labels, data.trainLabels);
  assert.equal(train.source, `configured:${gz}`);
  assert.equal(train.classNames[9], 'Ankle boot');
  const raw = sub('mnist-raw');
  const rdata = writeIdxDataset(raw, 4, 3, false);
  const test_ = await loadDataset('mnist', 'test', { dir: raw });
  assert.equal(test_.split, 'test');
  assert.deepEqual(test_.images, rdata.testImages);
  assert.deepEqual(test_.labels, rdata.testLabels);
});

test('ABD_DATA_DIR: the directory itself or its fashion-mnist/ child; mnist only in its mnist/ child', async () => {
  const root = sub('env-root');
  writeIdxDataset(sub('env-root/fashion-mnist'), 3, 2);
  writeIdxDataset(sub('env-root/mnist'), 4, 2);
  await withEnv({ ABD_DATA_DIR: root }, async () => {
    assert.deepEqual(await locateFashionMnist(noSystem), {
      dir: join(root, 'fashion-mnist'),
      source: 'configured',
    });
    assert.equal((await loadDataset('mnist', 'train', noSystem)).n, 4);
  });
  await withEnv({ ABD_DATA_DIR: join(root, 'fashion-mnist') }, async () => {
    assert.equal((await loadDataset('fashion-mnist', 'train', noSystem)).n, 3);
  });
});

test('cache dir is used after configured and system dirs', async () => {
  const cache = sub('cache-fm');
  writeIdxDataset(cache, 2, 2);
  await withEnv({ ABD_DATA_DIR: undefined }, async () => {
    assert.deepEqual(await locateFashionMnist({ ...noSystem, cacheDir: cache }), {
      dir: cache,
      source: 'cache',
    });
  });
});

test('image/label count mismatch and wrong image size name the file', async () => {
  const d = sub('mismatch');
  writeIdxDataset(d, 5, 2);
  const lbl = join(d, 'train-labels-idx1-ubyte.gz');
  writeFileSync(lbl, gzipSync(encodeIdx([4], Uint8Array.of(1, 2, 3, 4))));
  await assert.rejects(loadDataset('fashion-mnist', 'train', { dir: d }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(
      e.message,
      /count mismatch: .*has 5 images, .*train-labels-idx1-ubyte.gz has 4 labels/,
    );
    return true;
  });
  const img = join(d, 't10k-images-idx3-ubyte.gz');
  writeFileSync(img, gzipSync(encodeIdx([2, 32, 32], new Uint8Array(2 * 32 * 32))));
  await assert.rejects(
    loadDataset('fashion-mnist', 'test', { dir: d }),
    /t10k-images-idx3-ubyte\.gz: images have dims \[2, 32, 32\]/,
  );
});

test('label beyond the classes is rejected', async () => {
  const d = sub('bad-label');
  writeIdxDataset(d, 2, 2);
  writeFileSync(
    join(d, 't10k-labels-idx1-ubyte.gz'),
    gzipSync(encodeIdx([2], Uint8Array.of(1, 10))),
  );
  await assert.rejects(loadDataset('mnist', 'test', { dir: d }), /label 10 at 1 ≥ 10 classes/);
});

test('an incomplete configured dir is an error naming what is missing', async () => {
  const d = sub('incomplete');
  writeFileSync(
    join(d, 'train-images-idx3-ubyte.gz'),
    gzipSync(encodeIdx([1, 28, 28], new Uint8Array(784))),
  );
  await assert.rejects(
    locateFashionMnist({ dir: d }),
    /lacks train-labels-idx1-ubyte.gz, t10k-images/,
  );
});

test('nothing found and download off: the error says what to run', async () => {
  await withEnv({ ABD_DATA_DIR: undefined }, async () => {
    await assert.rejects(
      locateFashionMnist({ ...noSystem, cacheDir: sub('empty-cache') }),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /apt-get install -y dataset-fashion-mnist/);
        assert.match(e.message, /ABD_DATA_DIR/);
        assert.match(e.message, /download disabled/);
        return true;
      },
    );
    await assert.rejects(
      loadDataset('mnist', 'train', { cacheDir: sub('empty-mnist') }),
      /mnist not found.*no download source/,
    );
  });
});

test('CIFAR-10 from a configured dir holding cifar-10-batches-bin/', async () => {
  const bin = sub('cifar/cifar-10-batches-bin');
  for (let i = 1; i <= 5; i++)
    writeFileSync(
      join(bin, `data_batch_${i}.bin`),
      cifarBatch([i, i + 1], (k, ch, p) => i * 40 + k * 9 + ch + p),
    );
  writeFileSync(
    join(bin, 'test_batch.bin'),
    cifarBatch([9], (_k, ch, p) => ch * 100 + p),
  );
  const train = await loadDataset('cifar10', 'train', { dir: join(tmp.dir, 'cifar') });
  assert.deepEqual([train.n, train.height, train.width, train.channels], [10, 32, 32, 3]);
  assert.deepEqual(Array.from(train.labels), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
  const test_ = await loadDataset('cifar10', 'test', { dir: bin });
  assert.deepEqual(
    Array.from(test_.images.subarray(3, 6)),
    [1, 101, 201],
    'pixel 1, channels R G B',
  );
  assert.equal(test_.classNames[0], 'airplane');
  await assert.rejects(
    loadDataset('cifar10', 'train', { dir: sub('no-cifar') }),
    /cifar10 not found/,
  );
});

test('real Fashion-MNIST loads fast (when the Debian package is installed)', async (t) => {
  if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    t.skip(
      `${DEBIAN_FASHION_MNIST_DIR} absent: apt-get install -y dataset-fashion-mnist to run this test`,
    );
    return;
  }
  await withEnv({ ABD_DATA_DIR: undefined }, async () => {
    let best = Infinity;
    let train;
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      train = await loadDataset('fashion-mnist', 'train');
      best = Math.min(best, performance.now() - t0);
    }
    t.diagnostic(`full train set loaded in ${best.toFixed(0)} ms`);
    assert.ok(train);
    assert.deepEqual([train.n, train.height, train.width, train.channels], [60000, 28, 28, 1]);
    assert.equal(train.source, `debian:${DEBIAN_FASHION_MNIST_DIR}`);
    assert.ok(best < 1000, `loading the train set took ${best.toFixed(0)} ms (budget 1000)`);
    const counts = new Array<number>(10).fill(0);
    for (const l of train.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(6000));
    const test_ = await loadDataset('fashion-mnist', 'test');
    assert.equal(test_.n, 10000);
  });
});
