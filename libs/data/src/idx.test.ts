import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from './data-error';
import { encodeIdx, readIdx } from './idx';
import { pattern, tempDir } from './test-fixtures';

const tmp = tempDir();
after(tmp.cleanup);

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, bytes);
  return p;
}

test('IDX round trip, raw and gzip', async () => {
  const data = pattern(3, 5 * 4);
  const raw = encodeIdx([3, 5, 4], data);
  assert.deepEqual(Array.from(raw.subarray(0, 8)), [0, 0, 8, 3, 0, 0, 0, 3]);
  for (const [name, bytes] of [
    ['a.idx', raw],
    ['a.idx.gz', gzipSync(raw)],
  ] as const) {
    const r = await readIdx(write(name, bytes));
    assert.deepEqual(r.dims, [3, 5, 4]);
    assert.deepEqual(r.data, data);
  }
});

test('gzip is detected by magic, not by file name', async () => {
  const raw = encodeIdx([2], Uint8Array.of(7, 9));
  const r = await readIdx(write('labels-no-suffix', gzipSync(raw)));
  assert.deepEqual(Array.from(r.data), [7, 9]);
});

async function rejectsNaming(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readIdx(path), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
    assert.equal(e.file, path);
    return true;
  });
}

test('wrong magic number', async () => {
  const bad = encodeIdx([2], Uint8Array.of(1, 2));
  bad[0] = 0x12;
  await rejectsNaming(write('bad-magic', bad), /wrong magic number/);
});

test('unsupported element type', async () => {
  const bad = encodeIdx([2], Uint8Array.of(1, 2));
  bad[2] = 0x0d;
  await rejectsNaming(write('float-type', bad), /unsupported IDX element type 0xd/);
});

test('truncated: fewer data bytes than the header says', async () => {
  const full = encodeIdx([4, 2, 2], pattern(4, 4));
  await rejectsNaming(
    write('trunc', full.subarray(0, full.length - 3)),
    /truncated.*16 bytes of data, file has 13/,
  );
  await rejectsNaming(write('trunc.gz', gzipSync(full.subarray(0, full.length - 3))), /truncated/);
});

test('truncated header and truncated gzip stream', async () => {
  const full = encodeIdx([4, 2, 2], pattern(4, 4));
  await rejectsNaming(
    write('short-header', full.subarray(0, 10)),
    /shorter than its 16-byte IDX header/,
  );
  const gz = gzipSync(full);
  await rejectsNaming(write('cut.gz', gz.subarray(0, gz.length - 6)), /truncated or corrupt gzip/);
});

test('trailing bytes after the data', async () => {
  const full = encodeIdx([2], Uint8Array.of(1, 2));
  await rejectsNaming(write('long', Uint8Array.from([...full, 0, 0])), /2 bytes after/);
});

test('missing file', async () => {
  await rejectsNaming(join(tmp.dir, 'nope.gz'), /cannot read IDX file/);
});
