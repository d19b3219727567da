import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from './data-error';
import { downloadVerified } from './download';
import { encodeIdx } from './idx';
import { FASHION_MNIST_CHECKSUMS, IDX_FILES } from './idx-files';
import { loadDataset } from './load-dataset';
import { DEBIAN_FASHION_MNIST_DIR, locateFashionMnist } from './locate';
import { tempDir, withEnv } from './test-fixtures';

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const tmp = tempDir();
const served = new Map<string, Uint8Array>();
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  await new Promise((r) => server.close(r));
  tmp.cleanup();
});

const content = encodeIdx([3], Uint8Array.of(4, 5, 6));
const gz = gzipSync(content);

test('downloads to the destination when the MD5 matches', async () => {
  served.set('/ok.gz', gz);
  const dest = join(tmp.dir, 'a', 'ok.gz');
  await downloadVerified(`${base}ok.gz`, dest, { file: 'ok.gz', md5: md5(gz) });
  assert.deepEqual(new Uint8Array(readFileSync(dest)), new Uint8Array(gz));
});

test('a re-compressed file is accepted by the SHA-256 of its content', async () => {
  const other = gzipSync(content, { level: 1 });
  served.set('/re.gz', other);
  const dest = join(tmp.dir, 'b', 're.gz');
  await downloadVerified(`${base}re.gz`, dest, {
    file: 're.gz',
    md5: md5(gz),
    contentSha256: sha256(content),
  });
  assert.ok(existsSync(dest));
});

test('checksum mismatch: DataError, nothing left behind', async () => {
  served.set('/bad.gz', gzipSync(encodeIdx([3], Uint8Array.of(4, 5, 7))));
  const dir = join(tmp.dir, 'c');
  const dest = join(dir, 'bad.gz');
  await assert.rejects(
    downloadVerified(`${base}bad.gz`, dest, {
      file: 'bad.gz',
      md5: md5(gz),
      contentSha256: sha256(content),
    }),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(
        e.message,
        new RegExp(
          `checksum mismatch for ${base}bad.gz: got MD5 [0-9a-f]{32}.*expected MD5 ${md5(gz)}`,
        ),
      );
      return true;
    },
  );
  assert.deepEqual(readdirSync(dir), [], 'no temp or partial file');
});

test('HTTP error is a DataError naming the URL', async () => {
  await assert.rejects(
    downloadVerified(`${base}missing.gz`, join(tmp.dir, 'd', 'm.gz'), {
      file: 'm.gz',
      md5: md5(gz),
    }),
    /download of http:\/\/127\.0\.0\.1:\d+\/missing\.gz failed: HTTP 404/,
  );
});

test('locateFashionMnist downloads from ABD_FASHION_MNIST_URL and rejects a corrupt mirror', async () => {
  for (const f of Object.values(IDX_FILES)) served.set(`/corrupt/${f}.gz`, gz);
  const cacheDir = join(tmp.dir, 'cache-corrupt');
  const opts = { systemDir: join(tmp.dir, 'no-debian'), cacheDir };
  await withEnv(
    { ABD_DATA_DIR: undefined, ABD_OFFLINE: undefined, ABD_FASHION_MNIST_URL: `${base}corrupt/` },
    async () => {
      await assert.rejects(locateFashionMnist(opts), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(
          e.message,
          /download from http:\/\/127\.0\.0\.1:\d+\/corrupt\/ failed: checksum mismatch/,
        );
        assert.match(e.message, /expected MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d/);
        assert.match(e.message, /apt-get install -y dataset-fashion-mnist/);
        return true;
      });
    },
  );
  assert.deepEqual(readdirSync(cacheDir), []);
});

/** The files as published: Debian re-gzipped them; the original header had the name and these times. */
const CANONICAL_MTIME: Record<string, number> = {
  'train-images-idx3-ubyte': 1504176606,
  'train-labels-idx1-ubyte': 1504176606,
  't10k-images-idx3-ubyte': 1504176627,
  't10k-labels-idx1-ubyte': 1504176627,
};
function canonicalGzip(debianGz: Buffer, name: string): Uint8Array {
  const header = Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3]);
  header.writeUInt32LE(CANONICAL_MTIME[name], 4);
  return Buffer.concat([header, Buffer.from(`${name}\0`, 'latin1'), debianGz.subarray(10)]);
}

test('Debian files are the canonical release; a download of it verifies and loads', async (t) => {
  if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    t.skip(
      `${DEBIAN_FASHION_MNIST_DIR} absent: apt-get install -y dataset-fashion-mnist to run this test`,
    );
    return;
  }
  for (const [i, name] of Object.values(IDX_FILES).entries()) {
    const canonical = canonicalGzip(
      readFileSync(join(DEBIAN_FASHION_MNIST_DIR, `${name}.gz`)),
      name,
    );
    assert.equal(FASHION_MNIST_CHECKSUMS[i].file, `${name}.gz`);
    assert.equal(
      md5(canonical),
      FASHION_MNIST_CHECKSUMS[i].md5,
      `${name}.gz rebuilt from Debian has the README's MD5`,
    );
    served.set(`/real/${name}.gz`, canonical);
  }
  const cacheDir = join(tmp.dir, 'cache-real');
  const opts = { systemDir: join(tmp.dir, 'no-debian'), cacheDir };
  await withEnv(
    { ABD_DATA_DIR: undefined, ABD_OFFLINE: undefined, ABD_FASHION_MNIST_URL: `${base}real` },
    async () => {
      assert.deepEqual(await locateFashionMnist(opts), { dir: cacheDir, source: 'download' });
      assert.deepEqual(await locateFashionMnist(opts), { dir: cacheDir, source: 'cache' });
      const test_ = await loadDataset('fashion-mnist', 'test', opts);
      assert.equal(test_.n, 10000);
      assert.equal(test_.source, `cache:${cacheDir}`);
    },
  );
  assert.deepEqual(
    readdirSync(cacheDir).sort(),
    Object.values(IDX_FILES)
      .map((f) => `${f}.gz`)
      .sort(),
  );
});
