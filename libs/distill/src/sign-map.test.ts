import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignMapError } from './errors';
import {
  packSigns,
  signMapBytes,
  signMapBytesPerImage,
  sliceSignMap,
  unpackSigns,
} from './sign-map';

describe('sign maps', () => {
  // h·w·c = 1·2·5 = 10 values per image → 2 bytes per image, 6 padding bits
  const shape = [2, 1, 2, 5] as const;
  // image 0: on at 0, 2, 7, 8, 9;   image 1: on at 1, 9
  const pre = new Float32Array([
    1,
    0,
    3,
    -1,
    -2,
    -0,
    NaN,
    0.5,
    2,
    9,
    -1,
    4,
    0,
    0,
    0,
    0,
    0,
    0,
    -5,
    1e-20,
  ]);
  // image 0: bits 0,2,7 → 0b10000101 = 0x85; bits 8,9 → 0b00000011 = 0x03
  // image 1: bit 1 → 0x02; bit 9 → 0b00000010 = 0x02
  const bits = Uint8Array.from([0x85, 0x03, 0x02, 0x02]);

  it('sizes: ceil(h·w·c/8) bytes per image, each image on a byte boundary', () => {
    assert.equal(signMapBytesPerImage(shape), 2);
    assert.equal(signMapBytes(shape), 4);
    assert.equal(signMapBytes([128, 7, 7, 64]), 128 * 392);
    assert.equal(signMapBytes([3, 1, 1, 1]), 3);
    assert.equal(signMapBytes([0, 4, 4, 4]), 0);
  });

  it('packs the hand-made pattern LSB first with zero padding', () => {
    assert.deepEqual(packSigns(pre, shape), bits);
  });

  it('unpacks the hand-made pattern and ignores padding bits', () => {
    const want = Float32Array.from(pre, (v) => (v > 0 ? 1 : 0));
    assert.deepEqual(unpackSigns(bits, shape), want);
    const dirty = Uint8Array.from([0x85, 0xff, 0x02, 0xfe]); // padding bits set
    assert.deepEqual(unpackSigns(dirty, shape), want);
  });

  it('round-trips pseudo-random maps of odd sizes', () => {
    for (const s of [
      [1, 1, 1, 1],
      [3, 3, 3, 3],
      [2, 7, 7, 5],
      [5, 2, 2, 2],
    ] as const) {
      const n = s[0] * s[1] * s[2] * s[3];
      let x = 12345;
      const v = Float32Array.from(
        { length: n },
        () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 30 - 1,
      );
      const b = packSigns(v, s);
      assert.equal(b.length, signMapBytes(s));
      assert.deepEqual(
        unpackSigns(b, s),
        Float32Array.from(v, (y) => (y > 0 ? 1 : 0)),
      );
      assert.deepEqual(packSigns(unpackSigns(b, s), s), b);
    }
  });

  it('slices a batch without repacking (a view on the same bytes)', () => {
    const second = sliceSignMap(bits, shape, 1, 1);
    assert.deepEqual(second, Uint8Array.from([0x02, 0x02]));
    assert.equal(second.buffer, bits.buffer);
    assert.deepEqual(unpackSigns(second, [1, 1, 2, 5]), unpackSigns(bits, shape).subarray(10));
    assert.deepEqual(sliceSignMap(bits, shape, 0, 2), bits);
    assert.equal(sliceSignMap(bits, shape, 2, 0).length, 0);
  });

  it('rejects bits of the wrong length, bad shapes and out-of-range slices', () => {
    assert.throws(
      () => unpackSigns(new Uint8Array(3), shape),
      (e: unknown) =>
        e instanceof SignMapError &&
        /shape \[2,1,2,5\] has 4 bytes .*got 3/.test(e.message) &&
        e.code === 'INVALID_ARGUMENT',
    );
    assert.throws(() => sliceSignMap(new Uint8Array(5), shape, 0, 1), /has 4 bytes/);
    assert.throws(() => packSigns(new Float32Array(19), shape), /needs 20 values, got 19/);
    assert.throws(() => packSigns(new Float32Array(0), [1, 0, 2, 2]), /shape must be/);
    assert.throws(
      () =>
        unpackSigns(new Uint8Array(0), [1, 2, 2] as unknown as [number, number, number, number]),
      /shape must be/,
    );
    assert.throws(() => sliceSignMap(bits, shape, 1, 2), /outside a batch of 2/);
    assert.throws(() => sliceSignMap(bits, shape, -1, 1), /outside a batch of 2/);
  });
});
