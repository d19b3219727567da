import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { StoreError } from './errors';
import { LocalStore } from './local-store';
import { openStore, storeFromEnv } from './open-store';
import { S3Store } from './s3-store';

test('openStore: file URLs, absolute and relative paths open a local store', () => {
  const dir = join(tmpdir(), 'abd-open-store');
  const a = openStore(`file://${dir}`);
  assert.ok(a instanceof LocalStore);
  assert.equal(a.url, `file://${dir}`);
  assert.equal((openStore(dir) as LocalStore).root, dir);
  assert.equal((openStore('runs/store') as LocalStore).root, resolve('runs/store'));
  assert.equal((openStore('./x/../y') as LocalStore).root, resolve('y'));
  assert.equal(openStore('file:///tmp/with%20space').url, 'file:///tmp/with%20space');
});

test('openStore: s3 URLs open an S3 store without I/O; other schemes are refused', () => {
  const s = openStore('s3://artifacts/team/run-1', {
    s3: { endpoint: 'http://127.0.0.1:1', accessKey: 'a', secretKey: 'b' },
  });
  assert.ok(s instanceof S3Store);
  assert.equal(s.url, 's3://artifacts/team/run-1');
  for (const bad of ['', '   ', 'http://host/x', 'gs://bucket/x', 'file://remote-host/x']) {
    assert.throws(() => openStore(bad), StoreError, bad);
  }
});

test('storeFromEnv: ABD_STORE wins over the default when set and non-empty', () => {
  const saved = process.env.ABD_STORE;
  try {
    delete process.env.ABD_STORE;
    assert.equal(storeFromEnv('/tmp/abd-default').url, 'file:///tmp/abd-default');
    process.env.ABD_STORE = '';
    assert.equal(storeFromEnv('/tmp/abd-default').url, 'file:///tmp/abd-default');
    process.env.ABD_STORE = 'file:///tmp/abd-env';
    assert.equal(storeFromEnv('/tmp/abd-default').url, 'file:///tmp/abd-env');
  } finally {
    if (saved === undefined) delete process.env.ABD_STORE;
    else process.env.ABD_STORE = saved;
  }
});
