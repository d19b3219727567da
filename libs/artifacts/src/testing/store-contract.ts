import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { ArtifactStore } from '../artifact-store';
import { InvalidKeyError, NotFoundError, StoreError } from '../errors';
import { readAll } from '../streams';

export interface ContractOptions {
  /** Bytes of the "large" object sent through putStream/getStream. */
  largeSize?: number;
  /** Bytes of the object sent through putStream without a size (more than one part for S3). */
  unsizedSize?: number;
  /** Bytes sent before an interrupted upload fails (more than one part for S3). */
  interruptAfter?: number;
  /** Count of I/O operations so far, to prove hostile keys fail before any I/O. */
  ioCount?: () => number;
}

export const HOSTILE_KEYS = [
  '',
  '/etc/passwd',
  '../outside',
  'a/../../outside',
  'a/./b',
  './a',
  'a/..',
  'a\\b',
  '..\\x',
  'a//b',
  'a/',
  'bad\u0000nul',
  'line\nbreak',
  'tab\tkey',
  'sp ace',
  'q?x',
  'h#x',
  'pct%2e%2e',
  'star*',
  'ü',
  '~/x',
  'x'.repeat(513),
  'a/.tmp-123',
];

/** Deterministic pseudo-random bytes (xorshift32, 4 bytes a step), so failures are reproducible. */
export function pseudoRandomBytes(n: number, seed = 1): Buffer {
  const words = new Uint32Array(Math.ceil(n / 4));
  let s = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    words[i] = s;
  }
  return Buffer.from(words.buffer, 0, n);
}

/** A stream that yields `data` in odd-sized chunks, then errors if `fail` is set. */
export function chunkedStream(data: Buffer, chunk = 777_777, fail?: Error): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (at < data.length) {
        const end = Math.min(at + chunk, data.length);
        this.push(data.subarray(at, end));
        at = end;
      } else if (fail) {
        this.destroy(fail);
      } else {
        this.push(null);
      }
    },
  });
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The behaviour every ArtifactStore must have; `makeStore` returns a fresh, empty store. */
export function storeContract(
  name: string,
  makeStore: () => Promise<ArtifactStore>,
  options: ContractOptions = {},
): void {
  const largeSize = options.largeSize ?? 20 * 1024 * 1024;
  const interruptAfter = options.interruptAfter ?? 6 * 1024 * 1024;
  const unsizedSize = Math.min(largeSize, options.unsizedSize ?? 6 * 1024 * 1024);

  test(`${name}: put/get bytes, text and JSON; overwrite`, async () => {
    const s = await makeStore();
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    await s.put('bin/data.bin', bytes);
    assert.deepEqual(Buffer.from(await s.get('bin/data.bin')), Buffer.from(bytes));
    await s.put('t.txt', 'héllo wörld ✓');
    assert.equal(await s.getText('t.txt'), 'héllo wörld ✓');
    await s.putJson('cfg/a=1,b+2@x.json', { a: [1, 2.5, 'x'], b: null });
    assert.deepEqual(await s.getJson('cfg/a=1,b+2@x.json'), { a: [1, 2.5, 'x'], b: null });
    await s.put('t.txt', 'second, longer than the first one');
    assert.equal(await s.getText('t.txt'), 'second, longer than the first one');
    await s.put('t.txt', '');
    assert.equal((await s.get('t.txt')).length, 0);
    await s.put('sub', Buffer.from('view', 'utf8').subarray(1, 3));
    assert.equal(await s.getText('sub'), 'ie');
    await s.put('bad.json', '{nope');
    await assert.rejects(s.getJson('bad.json'), StoreError);
  });

  test(`${name}: stat, exists, missing keys`, async () => {
    const s = await makeStore();
    const before = Date.now();
    await s.put('m/one', 'abc');
    const st = await s.stat('m/one');
    assert.ok(st);
    assert.equal(st.key, 'm/one');
    assert.equal(st.size, 3);
    assert.ok(st.modified instanceof Date);
    assert.ok(Math.abs(st.modified.getTime() - before) < 60_000);
    assert.equal(await s.exists('m/one'), true);
    assert.equal(await s.exists('m/two'), false);
    assert.equal(await s.stat('m/two'), null);
    assert.equal(await s.stat('m'), null, 'a prefix is not an object');
    await assert.rejects(s.get('m/two'), NotFoundError);
    await assert.rejects(s.get('m'), NotFoundError);
    await assert.rejects(
      s.getText('nothing/here'),
      (e: unknown) => e instanceof NotFoundError && e.key === 'nothing/here',
    );
    await assert.rejects(s.getJson('nothing.json'), NotFoundError);
    await assert.rejects(s.getStream('nothing.bin'), NotFoundError);
  });

  test(`${name}: list is recursive, sorted, prefix-filtered`, async () => {
    const s = await makeStore();
    assert.deepEqual(await s.list(''), []);
    const keys = [
      'models/wrn-16-2/ckpt-2.bin',
      'models/wrn-16-2/ckpt-10.bin',
      'models/wrn-10-1/meta.json',
      'models/wrn-16-2/sub/deep/x',
      'modelsX',
      'reports/r.md',
      'a',
    ];
    for (const k of keys) await s.put(k, k);
    const all = await s.list('');
    assert.deepEqual(
      all.map((o) => o.key),
      [...keys].sort(),
    );
    assert.equal(all.find((o) => o.key === 'reports/r.md')?.size, 'reports/r.md'.length);
    assert.deepEqual(
      (await s.list('models/')).map((o) => o.key),
      [
        'models/wrn-10-1/meta.json',
        'models/wrn-16-2/ckpt-10.bin',
        'models/wrn-16-2/ckpt-2.bin',
        'models/wrn-16-2/sub/deep/x',
      ],
    );
    assert.deepEqual((await s.list('models')).map((o) => o.key).length, 5);
    assert.deepEqual((await s.list('models/wrn-1')).map((o) => o.key).length, 4, 'partial segment');
    assert.deepEqual(
      (await s.list('models/wrn-16-2/ckpt-1')).map((o) => o.key),
      ['models/wrn-16-2/ckpt-10.bin'],
    );
    assert.deepEqual(
      (await s.list('models/wrn-16-2/sub/deep/x')).map((o) => o.key),
      ['models/wrn-16-2/sub/deep/x'],
    );
    assert.deepEqual(await s.list('zzz/'), []);
    assert.deepEqual(await s.list('models/nothing'), []);
  });

  test(`${name}: delete`, async () => {
    const s = await makeStore();
    await s.put('d/x', '1');
    await s.put('d/y', '2');
    await s.delete('d/x');
    assert.equal(await s.exists('d/x'), false);
    await assert.rejects(s.get('d/x'), NotFoundError);
    await s.delete('d/x');
    await s.delete('never/was');
    assert.deepEqual(
      (await s.list('d/')).map((o) => o.key),
      ['d/y'],
    );
    await s.put('d/x', 'back');
    assert.equal(await s.getText('d/x'), 'back');
  });

  test(`${name}: streams, small and large (${largeSize} bytes), size checks`, async () => {
    const s = await makeStore();
    await s.putStream('st/small', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
    assert.equal(await s.getText('st/small'), 'abcd');
    assert.equal((await readAll(await s.getStream('st/small'))).toString(), 'abcd');
    await s.putStream('st/empty', Readable.from([]), 0);
    assert.equal((await s.stat('st/empty'))?.size, 0);
    const big = pseudoRandomBytes(largeSize, 7);
    await s.putStream('st/large.bin', chunkedStream(big), big.length);
    assert.equal((await s.stat('st/large.bin'))?.size, big.length);
    assert.equal(sha(await readAll(await s.getStream('st/large.bin'))), sha(big));
    const unsized = big.subarray(0, unsizedSize);
    await s.putStream('st/large-unsized.bin', chunkedStream(unsized, 1 << 20));
    assert.equal(sha(await s.get('st/large-unsized.bin')), sha(unsized));
    await assert.rejects(
      s.putStream('st/short', Readable.from([Buffer.from('12345')]), 10),
      StoreError,
    );
    await assert.rejects(
      s.putStream('st/long', Readable.from([Buffer.from('12345')]), 3),
      StoreError,
    );
    assert.equal(await s.exists('st/short'), false);
    assert.equal(await s.exists('st/long'), false);
  });

  test(`${name}: an interrupted upload leaves the old object, or none`, async () => {
    const s = await makeStore();
    const data = pseudoRandomBytes(interruptAfter, 3);
    await s.put('job/state.json', 'old');
    await assert.rejects(
      s.putStream('job/state.json', chunkedStream(data, 1 << 20, new Error('network down'))),
      StoreError,
    );
    assert.equal(await s.getText('job/state.json'), 'old');
    await assert.rejects(
      s.putStream('job/new.bin', chunkedStream(data, 1 << 20, new Error('network down'))),
      StoreError,
    );
    assert.equal(await s.exists('job/new.bin'), false);
    await assert.rejects(
      s.putStream('job/tiny.bin', chunkedStream(data.subarray(0, 10), 4, new Error('early'))),
      StoreError,
    );
    assert.equal(await s.exists('job/tiny.bin'), false);
    assert.deepEqual(
      (await s.list('job/')).map((o) => o.key),
      ['job/state.json'],
    );
  });

  test(`${name}: hostile keys are rejected with InvalidKeyError before any I/O`, async () => {
    const s = await makeStore();
    const io0 = options.ioCount?.();
    for (const key of HOSTILE_KEYS) {
      const ops: [string, () => Promise<unknown>][] = [
        ['put', () => s.put(key, 'x')],
        ['putStream', () => s.putStream(key, Readable.from([Buffer.from('x')]))],
        ['get', () => s.get(key)],
        ['getText', () => s.getText(key)],
        ['getJson', () => s.getJson(key)],
        ['putJson', () => s.putJson(key, 1)],
        ['getStream', () => s.getStream(key)],
        ['stat', () => s.stat(key)],
        ['exists', () => s.exists(key)],
        ['delete', () => s.delete(key)],
      ];
      for (const [op, run] of ops) {
        await assert.rejects(run(), InvalidKeyError, `${op}(${JSON.stringify(key)})`);
      }
    }
    for (const prefix of ['/', '../', 'a/../', 'a\\', 'x'.repeat(600), 'a//', '..']) {
      await assert.rejects(s.list(prefix), InvalidKeyError, `list(${JSON.stringify(prefix)})`);
    }
    if (io0 !== undefined) assert.equal(options.ioCount?.(), io0, 'no I/O for hostile keys');
  });
}
