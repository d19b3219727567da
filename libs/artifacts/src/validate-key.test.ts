import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidKeyError, StoreError } from './errors';
import { HOSTILE_KEYS } from './testing/store-contract';
import { validateKey, validatePrefix } from './validate-key';

test('validateKey accepts ordinary keys and returns them unchanged', () => {
  for (const key of [
    'a',
    'models/wrn-16-2/ckpt-3.bin',
    'signs/t=wrn-22-4/fmnist,train/e+1@s_7',
    '.hidden',
    'a..b',
    'x'.repeat(512),
    'a/b.c/d-e_f',
  ]) {
    assert.equal(validateKey(key), key);
  }
});

test('validateKey rejects hostile keys with InvalidKeyError carrying the key', () => {
  for (const key of HOSTILE_KEYS) {
    assert.throws(
      () => validateKey(key),
      (e: unknown) => e instanceof InvalidKeyError && e instanceof StoreError && e.key === key,
      JSON.stringify(key),
    );
  }
  assert.throws(() => validateKey(42 as unknown as string), InvalidKeyError);
});

test('validatePrefix allows empty, trailing slash and partial segments only', () => {
  for (const p of ['', 'a', 'a/', 'a/b', 'models/wrn-1', 'a/.', 'a/.x']) {
    if (p === 'a/.') assert.throws(() => validatePrefix(p), InvalidKeyError);
    else assert.equal(validatePrefix(p), p);
  }
  for (const p of ['/', '/a', '../', 'a/../b', 'a//', 'a\\b', 'a b', '..']) {
    assert.throws(() => validatePrefix(p), InvalidKeyError, p);
  }
});
