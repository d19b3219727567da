// The charts and progress of the web view in a real browser (Debian chromium + puppeteer-core),
// checked as a user would: one colour per method, one point per epoch, hover values, a live
// run's position, and the screenshot script. ABD_UI_SCREENSHOTS=<dir> also saves pages there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { ArtifactStore } from '@abd/artifacts';
import { classifyLossName, RunResult } from '@abd/train';
import { tempDir } from '@abd/train/testing';
import { CHROMIUM } from './chromium';
import { captureScreenshots } from './screenshots';
import { fillStore, openView, Styled, View } from './testing/browser-store';

const tmp = tempDir('abd-ui-charts-');
let store: ArtifactStore;
let view: View;
let page: Page;
let result: RunResult;
const visit = (path: string, shot?: string) => view.visit(path, shot);

before(async () => {
  ({ store, result } = await fillStore(tmp.dir));
  view = await openView(store, tmp.dir);
  page = view.page;
});

after(async () => {
  await view?.close();
  tmp.cleanup();
});

test(
  'a running run shows its setting and where it is: stage, epoch, epochs done, ETA',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    assert.equal(await visit('/'), 200);
    const cells = await page.$$eval('table.runs tbody tr:first-child td', (tds) =>
      tds.map((td) => td.textContent ?? ''),
    );
    assert.equal(cells[1], 'running');
    assert.equal(cells[2], 'fashion-mnist, wrn-10-1 → wrn-10-1, 64 images, E₁+E₂ = 1+2');
    // Teacher 1 + kd 3 + none 1 of 1 + 3 + 3 epochs; none is in its 2nd epoch.
    assert.match(
      cells[3],
      /^none · classify · epoch 2\/3 · 5\/7 epochs done · [\d.]+ s\/epoch · ETA [\d.]+ s$/,
    );
    const perEpoch = Number(/([\d.]+) s\/epoch/.exec(cells[3])![1]);
    const eta = Number(/ETA ([\d.]+) s/.exec(cells[3])![1]);
    assert.ok(Math.abs(eta - 2 * perEpoch) <= 0.16, `${eta} ≈ 2 × ${perEpoch}`);
    assert.equal(await visit('/runs/live', 'run-live'), 200);
    assert.match(await page.$eval('span.progress', (s) => s.textContent ?? ''), /epoch 2\/3/);
    assert.match(await page.$eval('main p', (p) => p.textContent ?? ''), /E₁\+E₂ = 1\+2/);
  },
);

test(
  'one colour per method on every chart and every run, one per tap, none shared',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    // The colour a user sees: the computed fill of each series' points, by chart and series.
    const colours = async (path: string) => {
      assert.equal(await visit(path), 200);
      return page.$$eval('svg.chart', (svgs) =>
        svgs.flatMap((svg) =>
          [...svg.querySelectorAll('g.series')].map((g) => [
            svg.getAttribute('data-title'),
            g.getAttribute('data-series'),
            (globalThis as unknown as Styled).getComputedStyle(g.querySelector('circle.pt')!).fill,
          ]),
        ),
      );
    };
    const tiny = await colours('/runs/tiny');
    const live = await colours('/runs/live');
    const byMethod = new Map<string, Set<string>>();
    for (const [, name, fill] of [...tiny, ...live]) {
      const key = / tap\d$/.test(name!) ? name!.replace(/^.* (tap\d)$/, '$1') : name!;
      if (!byMethod.has(key)) byMethod.set(key, new Set());
      byMethod.get(key)!.add(fill);
    }
    // kd is drawn first on one run's charts and second on the other's: still one colour.
    for (const [k, fills] of byMethod) assert.equal(fills.size, 1, `${k}: ${[...fills]}`);
    const kdCharts = [...tiny, ...live].filter(([, n]) => n === 'kd').map(([t]) => t);
    assert.ok(kdCharts.length >= 4, kdCharts.join(', '));
    assert.deepEqual([...byMethod.keys()].sort(), [
      'ab+kd',
      'kd',
      'none',
      'tap1',
      'tap2',
      'tap3',
      'teacher',
    ]);
    const all = [...byMethod.values()].map((f) => [...f][0]);
    assert.equal(new Set(all).size, all.length, `distinct: ${all}`);
    // The results bars use the same colours.
    assert.equal(await visit('/results'), 200);
    const bars = await page.$$eval('rect.bar', (rs) =>
      rs.map((r) => [
        r.getAttribute('data-key'),
        (globalThis as unknown as Styled).getComputedStyle(r).fill,
      ]),
    );
    assert.equal(bars.length, 3);
    for (const [k, fill] of bars) assert.deepEqual([...byMethod.get(k!)!], [fill], k!);
  },
);

test(
  'losses of different kinds are on separate charts: CE, KD, AB loss',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    assert.equal(await visit('/runs/tiny'), 200);
    const charts = await page.$$eval('svg[data-title^="training loss"]', (svgs) =>
      svgs.map((s) => [
        s.getAttribute('data-title'),
        [...s.querySelectorAll('g.series')].map((g) => g.getAttribute('data-series')).join(','),
      ]),
    );
    assert.deepEqual(charts, [
      ['training loss: CE', 'none,teacher'],
      [`training loss: ${classifyLossName(result.config.kd)}`, 'kd,ab+kd'],
      ['training loss: AB loss', 'ab+kd'],
    ]);
  },
);

test(
  'test error has one point per epoch on the run page and a hover box with epoch and value',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    // testEvery 10 > 3 epochs: the full test ran once, the curve every epoch.
    assert.equal(await visit('/runs/live'), 200);
    const title = 'test error % on 30 held-out test images, every epoch';
    const xs = await page.$$eval(
      `svg[data-title="${title}"] g.series[data-series="kd"] circle.pt`,
      (cs) => cs.map((c) => Number(c.getAttribute('data-x'))),
    );
    assert.deepEqual(xs, [1, 2, 3]);
    const second = `svg[data-title="${title}"] g.series[data-series="kd"] g.point:nth-of-type(2)`;
    const visible = () =>
      page.$$eval(`svg[data-title="${title}"] g.tip`, (ts) =>
        ts
          .filter(
            (t) => (globalThis as unknown as Styled).getComputedStyle(t).visibility === 'visible',
          )
          .map((t) => t.textContent),
      );
    assert.deepEqual(await visible(), []);
    await page.hover(`${second} circle.pt`);
    const y = await page.$eval(`${second} circle.pt`, (c) => Number(c.getAttribute('data-y')));
    assert.deepEqual(await visible(), [`kd · epoch 2: ${Number(y.toPrecision(4))} %`]);
    await page.mouse.move(0, 0);
    assert.deepEqual(await visible(), []);
  },
);

test(
  'the screenshot script captures every page of a store as a PNG',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    const out = join(tmp.dir, 'shots');
    const files = await captureScreenshots({
      store,
      runId: 'tiny',
      compareId: 'live',
      out,
      repoRoot: tmp.dir,
    });
    assert.deepEqual(
      files.map((f) => f.slice(out.length + 1)),
      ['runs.png', 'run.png', 'results.png', 'compare.png', 'boundaries.png'],
    );
    for (const f of files) {
      const png = readFileSync(f);
      assert.equal(png.subarray(1, 4).toString(), 'PNG', f);
      assert.equal(png.readUInt32BE(16), 1440, `${f} width`);
      assert.ok(png.readUInt32BE(20) >= 900, `${f} height`);
    }
    await assert.rejects(
      captureScreenshots({ store, runId: 'nope', out, repoRoot: tmp.dir }),
      /no run 'nope'/,
    );
  },
);
