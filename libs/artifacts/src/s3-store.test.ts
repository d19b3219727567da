import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ArtifactStore } from './artifact-store';
import { InvalidKeyError, NotFoundError, StoreError } from './errors';
import { resolveS3Options } from './s3-options';
import { S3Store, parseS3Url } from './s3-store';
import { type S3TestServer, startS3TestServer } from './testing/s3-test-server';
import { chunkedStream, pseudoRandomBytes, storeContract } from './testing/store-contract';

const PART = 5 * 1024 * 1024;
let server: S3TestServer;
let n = 0;

before(async () => {
  server = await startS3TestServer();
});
after(async () => server.close());

function s3(url: string, partSize = PART): S3Store {
  const { endpoint, accessKey, secretKey } = server;
  return new S3Store(url, { endpoint, accessKey, secretKey, partSize });
}

// Each store gets its own prefix in one bucket; 5 MiB parts make the 20 MiB object multipart.
storeContract('s3', async () => s3(`s3://contract/run-${n++}`), {
  largeSize: 20 * 1024 * 1024,
  interruptAfter: 2 * PART + 123,
  unsizedSize: PART + PART / 2,
  ioCount: () => server.requests.length,
});

const uploadsOf = (from: number): string[] =>
  server.requests
    .slice(from)
    .filter((r) => r.url.includes('uploadId') || r.url.includes('uploads'))
    .map((r) => `${r.method} ${r.url.split('?')[1]}`);

test('s3: bucket is created lazily, once, and the prefix is honoured', async () => {
  const from = server.requests.length;
  const a = s3('s3://fresh-bucket/some/prefix/');
  assert.equal(a.url, 's3://fresh-bucket/some/prefix');
  assert.equal(server.requests.length, from, 'opening does no I/O');
  await a.put('k', 'v');
  await a.put('k2', 'v');
  const bucketCalls = server.requests
    .slice(from)
    .filter((r) => /^\/fresh-bucket\/?(\?.*)?$/.test(r.url));
  assert.deepEqual(
    bucketCalls.map((r) => r.method),
    ['HEAD', 'PUT'],
  );
  const root = s3('s3://fresh-bucket');
  assert.deepEqual(
    (await root.list('')).map((o) => o.key),
    ['some/prefix/k', 'some/prefix/k2'],
  );
  assert.deepEqual(
    (await s3('s3://fresh-bucket/some').list('')).map((o) => o.key),
    ['prefix/k', 'prefix/k2'],
  );
  assert.deepEqual(
    await s3('s3://fresh-bucket/some/pre').list(''),
    [],
    'prefix is a whole segment',
  );
});

test('s3: a stream longer than a part goes multipart; a short one is a single PUT', async () => {
  const s = s3('s3://multipart/a');
  let from = server.requests.length;
  await s.putStream('one', chunkedStream(pseudoRandomBytes(PART)));
  assert.deepEqual(uploadsOf(from), []);
  from = server.requests.length;
  const data = pseudoRandomBytes(2 * PART + 5, 9);
  await s.putStream('three', chunkedStream(data, 999_999));
  const calls = uploadsOf(from);
  assert.equal(calls.filter((c) => c.startsWith('PUT')).length, 3);
  assert.equal(calls[0], 'POST uploads');
  assert.ok(calls.at(-1)?.startsWith('POST uploadId='));
  assert.ok(Buffer.from(await s.get('three')).equals(data));
});

test('s3: a stream failing mid-multipart aborts the upload and leaves no object', async () => {
  const s = s3('s3://multipart/b');
  const from = server.requests.length;
  const failing = chunkedStream(
    pseudoRandomBytes(2 * PART + 1),
    1 << 20,
    new Error('connection reset'),
  );
  await assert.rejects(
    s.putStream('partial.bin', failing),
    (e: unknown) => e instanceof StoreError && e.key === 'partial.bin',
  );
  const calls = uploadsOf(from);
  assert.ok(
    calls.some((c) => c.startsWith('PUT partNumber') || c.includes('partNumber')),
    'a part was sent',
  );
  assert.ok(
    calls.some((c) => c.startsWith('DELETE uploadId=')),
    'the upload was aborted',
  );
  assert.equal(await s.exists('partial.bin'), false);
  await assert.rejects(s.get('partial.bin'), NotFoundError);
  assert.deepEqual(await s.list(''), []);
});

test('s3: wrong credentials and unreachable servers give StoreError, not a hang', async () => {
  const bad: ArtifactStore = new S3Store('s3://contract/x', {
    endpoint: server.endpoint,
    accessKey: 'S3RVER',
    secretKey: 'wrong',
  });
  await assert.rejects(bad.put('k', 'v'), StoreError);
  const down = new S3Store('s3://contract/x', {
    endpoint: 'http://127.0.0.1:1',
    accessKey: 'a',
    secretKey: 'b',
  });
  await assert.rejects(
    down.get('k'),
    (e: unknown) => e instanceof StoreError && !(e instanceof NotFoundError),
  );
  await assert.rejects(down.get('../k'), InvalidKeyError);
});

test('s3: URL parsing and options from the environment', () => {
  assert.deepEqual(parseS3Url('s3://bucket'), { bucket: 'bucket', prefix: '' });
  assert.deepEqual(parseS3Url('s3://bucket/a/b/'), { bucket: 'bucket', prefix: 'a/b' });
  assert.throws(() => parseS3Url('s3://Bad_Bucket/x'), StoreError);
  assert.throws(() => parseS3Url('s3://bucket/../x'), InvalidKeyError);
  assert.throws(() => parseS3Url('http://bucket/x'), StoreError);
  const abd = resolveS3Options(
    {},
    {
      ABD_S3_ENDPOINT: 'https://minio.example:9443',
      ABD_S3_ACCESS_KEY: 'ak',
      ABD_S3_SECRET_KEY: 'sk',
      ABD_S3_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'aws-ak',
      AWS_SECRET_ACCESS_KEY: 'aws-sk',
      AWS_ENDPOINT_URL: 'http://aws:1',
    },
  );
  assert.deepEqual(
    { ...abd, partSize: 0 },
    {
      endPoint: 'minio.example',
      port: 9443,
      useSSL: true,
      accessKey: 'ak',
      secretKey: 'sk',
      region: 'eu-west-1',
      partSize: 0,
    },
  );
  const aws = resolveS3Options(
    {},
    {
      AWS_ACCESS_KEY_ID: 'aws-ak',
      AWS_SECRET_ACCESS_KEY: 'aws-sk',
      AWS_ENDPOINT_URL: 'http://[::1]:9000',
    },
  );
  assert.equal(aws.endPoint, '::1');
  assert.equal(aws.port, 9000);
  assert.equal(aws.useSSL, false);
  assert.equal(aws.accessKey, 'aws-ak');
  assert.equal(aws.region, 'us-east-1');
  const def = resolveS3Options({ accessKey: 'o' }, {});
  assert.equal(def.endPoint, 's3.amazonaws.com');
  assert.equal(def.port, 443);
  assert.equal(def.accessKey, 'o');
  assert.throws(() => resolveS3Options({ endpoint: 'ftp://x' }, {}), StoreError);
  assert.throws(() => resolveS3Options({ partSize: 1024 }, {}), StoreError);
});

// ~5 s on a busy 2-core machine, so opt-in: the multipart path itself is covered above with 5 MiB parts.
const large = process.env.ABD_TEST_SKIP_LARGE !== '1';
test(
  's3: an unsized object above 64 MiB streams through with the default part size',
  { skip: !large && 'ABD_TEST_SKIP_LARGE=1' },
  async () => {
    const { endpoint, accessKey, secretKey } = server;
    const s = new S3Store('s3://multipart/big', { endpoint, accessKey, secretKey });
    const data = pseudoRandomBytes(65 * 1024 * 1024 + 17, 11);
    const from = server.requests.length;
    await s.putStream('big.bin', chunkedStream(data, 1 << 20));
    assert.equal(uploadsOf(from).filter((c) => c.startsWith('PUT')).length, 5, '16 MiB parts');
    assert.equal((await s.stat('big.bin'))?.size, data.length);
    const got = await s.getStream('big.bin');
    let at = 0;
    for await (const chunk of got as AsyncIterable<Buffer>) {
      assert.ok(chunk.equals(data.subarray(at, at + chunk.length)), `bytes at ${at}`);
      at += chunk.length;
    }
    assert.equal(at, data.length);
    await s.delete('big.bin');
  },
);
