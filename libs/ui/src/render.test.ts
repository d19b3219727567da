import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { barChart, lineChart, ticks } from './chart';
import { esc, href } from './html';
import { encodePng } from './png';
import { ID_PATTERN } from './store-view';

test('encodePng writes a valid grayscale/RGB PNG whose pixels inflate back', () => {
  const px = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 7);
  const png = encodePng(3, 2, 3, px);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 3);
  assert.equal(png.readUInt32BE(20), 2);
  assert.equal(png[25], 2, 'colour type RGB');
  // IHDR CRC of a 3×2 RGB 8-bit image (computed with Python's zlib.crc32).
  assert.equal(png.readUInt32BE(29), 0x1216f14d);
  const idatLen = png.readUInt32BE(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLen));
  assert.deepEqual([...raw], [0, ...px.subarray(0, 9), 0, ...px.subarray(9)]);
  assert.throws(() => encodePng(2, 2, 1, new Uint8Array(3)), /3 bytes for 2×2×1/);
});

test('ticks are round and cover the range', () => {
  assert.deepEqual(ticks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(ticks(0.12, 0.31, 4), [0.15, 0.2, 0.25, 0.3]);
  assert.deepEqual(ticks(3, 3), [3]);
});

test('lineChart draws one circle per finite point and escapes names', () => {
  const svg = lineChart(
    [
      {
        name: 'a<b',
        points: [
          [1, 2],
          [2, NaN],
          [3, 1],
        ],
      },
      { name: 'c', points: [[1, 5]] },
    ],
    { title: 't', xLabel: 'x', yLabel: 'y' },
  );
  assert.equal(svg.match(/<circle class="pt"/g)?.length, 3);
  assert.match(svg, /data-series="a&lt;b" data-points="2"/);
  assert.doesNotMatch(svg, /a<b/);
  assert.match(lineChart([], { title: 't', xLabel: 'x', yLabel: 'y' }), /no data yet/);
  assert.equal(
    barChart([{ name: 'r', values: { none: 10, kd: undefined } }], ['none', 'kd'], {
      title: 'b',
      xLabel: '',
      yLabel: '',
    }).match(/class="bar"/g)?.length,
    1,
  );
});

test('escaping and ids: nothing path-like is an id, links encode every segment', () => {
  assert.equal(esc(`<a href="x">'&`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  assert.equal(href('runs', 'a/../b', 'boundaries'), '/runs/a%2F..%2Fb/boundaries');
  for (const bad of ['..', '.', '../x', 'a/b', '', '.hidden', 'a b', 'x'.repeat(129)])
    assert.ok(!ID_PATTERN.test(bad), bad);
  for (const ok of ['tiny', 'job-kx1-abc123', 'fashion-mnist--wrn-10-1.v2'])
    assert.ok(ID_PATTERN.test(ok), ok);
});
