import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCifar10Batches } from './cifar';
import { DataError } from './data-error';
import { cifarBatch, tempDir } from './test-fixtures';

const tmp = tempDir();
after(tmp.cleanup);

const value = (i: number, ch: number, p: number): number => i * 50 + ch * 10 + (p % 7);

test('reads batches in order and converts CHW to NHWC', async () => {
  const a = join(tmp.dir, 'data_batch_1.bin');
  const b = join(tmp.dir, 'data_batch_2.bin');
  writeFileSync(a, cifarBatch([3, 9], value));
  writeFileSync(
    b,
    cifarBatch([0], (i, ch, p) => value(i + 2, ch, p)),
  );
  const r = await readCifar10Batches([a, b]);
  assert.equal(r.n, 3);
  assert.deepEqual(Array.from(r.labels), [3, 9, 0]);
  assert.equal(r.images.length, 3 * 32 * 32 * 3);
  for (const [i, y, x] of [
    [0, 0, 0],
    [1, 5, 17],
    [2, 31, 31],
  ]) {
    const p = y * 32 + x;
    for (let ch = 0; ch < 3; ch++) {
      assert.equal(
        r.images[((i * 32 + y) * 32 + x) * 3 + ch],
        value(i, ch, p),
        `image ${i} (${y},${x}) ch ${ch}`,
      );
    }
  }
});

test('wrong file size names the file', async () => {
  const p = join(tmp.dir, 'short.bin');
  writeFileSync(p, cifarBatch([1, 2], value).subarray(0, 3073 + 100));
  await assert.rejects(readCifar10Batches([p]), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /3173 bytes is not a positive multiple of the 3073-byte record/);
    assert.ok(e.message.includes(p));
    return true;
  });
});

test('label out of range', async () => {
  const p = join(tmp.dir, 'label.bin');
  writeFileSync(p, cifarBatch([1, 12], value));
  await assert.rejects(readCifar10Batches([p]), /label\.bin: record 1 has label 12/);
});
