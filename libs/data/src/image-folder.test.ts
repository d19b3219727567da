import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { IMAGE_FOLDER_CLASSES as CLASSES, writeImageFolder } from './image-folder-fixture';
import { DataError } from './data-error';
import { loadDatasetSpec } from './load-dataset-spec';
import { tempDir } from './test-fixtures';

const tmp = tempDir('abd-imgdir-');
after(tmp.cleanup);

const [H, W] = [6, 10];

test('image folder: 5 classes of 6×10 PNG and JPEG images, labels from sorted class folders', async () => {
  const root = join(tmp.dir, 'ok');
  const written = await writeImageFolder(root, 3, H, W);
  const r = await loadDatasetSpec({ format: 'image-folder', path: root });
  assert.deepEqual(
    [r.train.n, r.train.height, r.train.width, r.train.channels, r.train.classes],
    [15, H, W, 3, 5],
  );
  assert.deepEqual(r.train.classNames, CLASSES);
  const per = H * W * 3;
  let k = 0;
  for (let c = 0; c < 5; c++) {
    for (let i = 0; i < 3; i++, k++) {
      assert.equal(r.train.labels[k], c);
      const want = written.get(
        join(root, 'train', CLASSES[c], `img-${i}.${i % 2 === 0 ? 'png' : 'jpg'}`),
      ) as Uint8Array;
      const got = r.train.images.subarray(k * per, (k + 1) * per);
      if (i % 2 === 0) assert.deepEqual(got, want);
      else
        for (let p = 0; p < per; p++)
          assert.ok(
            Math.abs(got[p] - want[p]) <= 1,
            `jpeg ${c}/${i} byte ${p}: ${got[p]} vs ${want[p]}`,
          );
    }
  }
  assert.equal(r.test.n, 15);
});

test('image folder: a corrupt image, a size mismatch and differing class folders name the path', async () => {
  const root = join(tmp.dir, 'bad');
  await writeImageFolder(root, 2, H, W);
  const broken = join(root, 'test', 'cat', 'img-0.png');
  writeFileSync(broken, Buffer.from('\x89PNG\r\n\x1a\n not really'));
  const check = async (file: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(loadDatasetSpec({ format: 'image-folder', path: root }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.file, file);
      assert.ok(e.message.includes(file));
      assert.match(e.message, pattern);
      return true;
    });
  };
  await check(broken, /cannot decode/);
  await sharp({ create: { width: 9, height: 6, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toFile(broken);
  await check(broken, /is 6×9×3, .* is 6×10×3/);
  await sharp({ create: { width: 10, height: 6, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toFile(broken);
  mkdirSync(join(root, 'test', 'fox'));
  await sharp({ create: { width: 10, height: 6, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toFile(join(root, 'test', 'fox', 'a.png'));
  await check(join(root, 'test'), /has classes \[ant, bee, cat, dog, eel, fox\]/);
});
