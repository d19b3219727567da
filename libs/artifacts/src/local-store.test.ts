import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { InvalidKeyError, StoreError } from './errors';
import { LocalStore } from './local-store';
import {
  HOSTILE_KEYS,
  chunkedStream,
  pseudoRandomBytes,
  storeContract,
} from './testing/store-contract';

const base = mkdtemp(join(tmpdir(), 'abd-local-store-'));
let n = 0;
const freshDir = async (): Promise<string> => join(await base, `s${n++}`);
after(async () => rm(await base, { recursive: true, force: true }));

storeContract('local', async () => new LocalStore(await freshDir()));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

test('local: keys are files under the root; url is file://', async () => {
  const dir = await freshDir();
  const s = new LocalStore(dir);
  assert.equal(s.url, `file://${dir}`);
  await s.put('a/b/c.txt', 'x');
  assert.deepEqual(await filesUnder(dir), [join(dir, 'a', 'b', 'c.txt')]);
});

test('local: hostile keys touch nothing, not even the root', async () => {
  const dir = await freshDir();
  const s = new LocalStore(dir);
  for (const key of HOSTILE_KEYS) await assert.rejects(s.put(key, 'x'), InvalidKeyError);
  assert.equal(existsSync(dir), false);
  assert.equal(existsSync(join(await base, 'outside')), false);
});

test('local: temp files of a crashed writer are not listed and do not shadow keys', async () => {
  const dir = await freshDir();
  const s = new LocalStore(dir);
  await s.put('k/real', 'ok');
  await writeFile(join(dir, 'k', '.tmp-deadbeef'), 'partial');
  await writeFile(join(dir, '.tmp-0123'), 'partial');
  assert.deepEqual(
    (await s.list('')).map((o) => o.key),
    ['k/real'],
  );
  assert.equal(await s.getText('k/real'), 'ok');
});

test('local: a failed stream write leaves no temp file and no object', async () => {
  const dir = await freshDir();
  const s = new LocalStore(dir);
  await s.put('w/keep', 'old');
  const boom = chunkedStream(pseudoRandomBytes(3 << 20), 1 << 20, new Error('boom'));
  await assert.rejects(s.putStream('w/keep', boom), StoreError);
  await assert.rejects(
    s.putStream('w/new', chunkedStream(pseudoRandomBytes(100), 7, new Error('boom'))),
    StoreError,
  );
  assert.deepEqual(await filesUnder(dir), [join(dir, 'w', 'keep')]);
  assert.equal(await s.getText('w/keep'), 'old');
});

test('local: readers see the old or the new object during concurrent overwrites', async () => {
  const s = new LocalStore(await freshDir());
  const a = Buffer.alloc(1 << 20, 1);
  const b = Buffer.alloc(1 << 20, 2);
  await s.put('race', a);
  const writes = Array.from({ length: 8 }, (_, i) => s.put('race', i % 2 ? a : b));
  const reads = Array.from({ length: 16 }, async () => {
    const got = Buffer.from(await s.get('race'));
    assert.ok(got.equals(a) || got.equals(b), 'never partial or mixed');
  });
  await Promise.all([...writes, ...reads]);
});

test('local: symlinks cannot lead outside the root', async () => {
  const dir = await freshDir();
  const outside = await freshDir();
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret'), 'top secret');
  await mkdir(dir, { recursive: true });
  await symlink(outside, join(dir, 'link'));
  await symlink(join(outside, 'secret'), join(dir, 'file-link'));
  const s = new LocalStore(dir);
  await assert.rejects(s.get('link/secret'), StoreError);
  await assert.rejects(s.get('file-link'), StoreError);
  await assert.rejects(s.put('link/new', 'x'), StoreError);
  await assert.rejects(s.delete('link/secret'), StoreError);
  assert.deepEqual(await readdir(outside), ['secret']);
  assert.deepEqual(
    (await s.list('')).map((o) => o.key),
    [],
    'symlinks are not listed',
  );
});

test('local: a key cannot be both an object and a prefix', async () => {
  const s = new LocalStore(await freshDir());
  await s.put('x', '1');
  await assert.rejects(s.put('x/y', '2'), StoreError);
  await s.putStream('p/q', Readable.from(['2']));
  await assert.rejects(s.put('p', '1'), StoreError);
  await s.delete('p');
  assert.equal(await s.getText('p/q'), '2');
});
