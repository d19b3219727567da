// The web view in a real browser (Debian chromium + puppeteer-core) against a store filled by
// real small runs. ABD_UI_SCREENSHOTS=<dir> also saves a screenshot of each page there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { Page } from 'puppeteer-core';
import { ArtifactStore } from '@abd/artifacts';
import { loadDataset } from '@abd/data';
import { classifyLossName, RunResult } from '@abd/train';
import { tempDir } from '@abd/train/testing';
import { CHROMIUM } from './chromium';
import { startUiServer } from './server';
import { fillStore, openView, View } from './testing/browser-store';

const tmp = tempDir('abd-ui-');
let store: ArtifactStore;
let view: View;
let page: Page;
let result: RunResult;
let snapshot: string;
const visit = (path: string, shot?: string) => view.visit(path, shot);

const listing = async () =>
  JSON.stringify((await store.list('')).map((o) => [o.key, o.size, o.modified.getTime()]));

before(async () => {
  ({ store, result } = await fillStore(tmp.dir));
  snapshot = await listing();
  view = await openView(store, tmp.dir);
  page = view.page;
});

after(async () => {
  await view?.close();
  tmp.cleanup();
});

/** Status of a raw request path, sent as is (no client-side normalization of '..'). */
function rawStatus(path: string, method = 'GET'): Promise<number> {
  const u = new URL(view.ui.url);
  return new Promise((resolveStatus, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      res.resume();
      resolveStatus(res.statusCode!);
    });
    req.on('error', reject).end();
  });
}

test(
  'the runs page lists the run with its status and errors, and the trainer jobs',
  { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}` },
  async () => {
    assert.equal(await visit('/', 'runs'), 200);
    const runs = await page.$$eval('a.run-link', (as) => as.map((a) => a.textContent));
    assert.deepEqual(runs, ['live', 'tiny']);
    const row = await page.$eval('table.runs tbody tr:nth-child(2)', (tr) => tr.textContent ?? '');
    assert.match(row, /done/);
    for (const m of result.results)
      assert.ok(row.includes(`${m.method} ${m.errorPct.toFixed(2)}`), `${m.method} in ${row}`);
    const jobs = await page.$eval('table.jobs', (t) => t.textContent ?? '');
    assert.match(jobs, /job-q1/);
    assert.match(jobs, /queued/);
  },
);

test(
  'the run page draws one point per epoch: 1 teacher, 2 none, 2 kd, 1+1 ab+kd',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    await visit('/');
    await page.click('table.runs tbody tr:nth-child(2) a.run-link');
    assert.equal(new URL(page.url()).pathname, '/runs/tiny');
    await visit('/runs/tiny', 'run');
    const points = (title: string) =>
      page.$$eval(`svg[data-title="${title}"] g.series`, (gs) =>
        Object.fromEntries(
          gs.map((g) => [g.getAttribute('data-series'), g.querySelectorAll('circle.pt').length]),
        ),
      );
    const testTitle = 'test error % on 30 held-out test images, every epoch';
    assert.deepEqual(await points(testTitle), {
      none: 2,
      kd: 2,
      'ab+kd': 1,
      teacher: 1,
    });
    assert.deepEqual(
      {
        ...(await points('training loss: CE')),
        ...(await points(`training loss: ${classifyLossName(result.config.kd)}`)),
      },
      { none: 2, kd: 2, 'ab+kd': 1, teacher: 1 },
    );
    assert.deepEqual(await points('activation similarity % per tap (AB stage)'), {
      'ab+kd tap1': 1,
      'ab+kd tap2': 1,
      'ab+kd tap3': 1,
    });
    // AB+KD's classification epoch comes after its E₁ = 1 AB epoch; its last test error is the result's.
    const ab = await page.$eval(
      `svg[data-title="${testTitle}"] g.series[data-series="ab+kd"] circle.pt`,
      (c) => [Number(c.getAttribute('data-x')), Number(c.getAttribute('data-y'))],
    );
    assert.equal(ab[0], 2);
    assert.ok(
      Math.abs(ab[1] - result.results[2].errorPct) < 1e-6,
      `${ab[1]} vs ${result.results[2].errorPct}`,
    );
    const sim = await page.$$eval('svg[data-title^="activation similarity"] circle.pt', (cs) =>
      cs.map((c) => Number(c.getAttribute('data-y'))),
    );
    assert.deepEqual(
      sim.map((s) => s.toFixed(6)),
      result.results[2].similarity!.map((s) => (100 * s).toFixed(6)),
    );
    assert.match(await page.$eval('table.results', (t) => t.textContent ?? ''), /ab\+kd/);
  },
);

test(
  'the boundary view shows the chosen test image and per-tap sign maps of teacher and student',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    assert.equal(await visit('/runs/tiny/boundaries?method=ab%2Bkd&image=7', 'boundaries'), 200);
    const test = await loadDataset('fashion-mnist', 'test', { dir: tmp.dir });
    // Draw the page's image at its natural size and read its pixels back (a string: no DOM types here).
    const px = (await page.evaluate(`(async () => {
    const img = document.getElementById('input-image');
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const rgba = ctx.getImageData(0, 0, c.width, c.height).data;
    return { w: c.width, h: c.height, index: img.dataset.index, label: img.dataset.label, data: Array.from(rgba).filter((_, i) => i % 4 === 0) };
  })()`)) as { w: number; h: number; index: string; label: string; data: number[] };
    assert.deepEqual([px.w, px.h, px.index, px.label], [28, 28, '7', String(test.labels[7])]);
    assert.deepEqual(px.data, Array.from(test.images.subarray(7 * 784, 8 * 784)));
    const grids = await page.$$eval('svg.grid', (ss) =>
      ss.map(
        (s) =>
          `${s.getAttribute('data-tap')}/${s.getAttribute('data-kind')}/${s.getAttribute('data-channels')}/${s.querySelectorAll('rect.ch').length}`,
      ),
    );
    // WRN-10-1 teacher and student: 16/32/64 channels; per-channel agreement on the disagreement grid.
    assert.deepEqual(grids, [
      'tap1/teacher/16/0',
      'tap1/student/16/0',
      'tap1/disagreement/16/16',
      'tap2/teacher/32/0',
      'tap2/student/32/0',
      'tap2/disagreement/32/32',
      'tap3/teacher/64/0',
      'tap3/student/64/0',
      'tap3/disagreement/64/64',
    ]);
    const agree = await page.$$eval('b.agreement', (bs) =>
      bs.map((b) => Number(b.getAttribute('data-value'))),
    );
    assert.equal(agree.length, 3);
    for (const a of agree) assert.ok(a > 0.3 && a <= 1, `agreement ${a}`);
    assert.match(
      await page.$eval('main', (m) => m.textContent ?? ''),
      /runs\/tiny\/ab\+kd\/ab-init\/epoch-0000/,
    );
    // The AB-init student's prediction comes with the caveat that its classifier is untrained.
    assert.match(
      await page.$eval('#ab-init-caveat', (p) => p.textContent ?? ''),
      /classifier is untrained at this point/,
    );
    // The final student (no connectors kept) also works: same widths, so its maps show directly.
    assert.equal(await visit('/runs/tiny/boundaries?method=none&image=0'), 200);
    assert.match(await page.$eval('main', (m) => m.textContent ?? ''), /runs\/tiny\/none\/final/);
    assert.equal(await page.$('#ab-init-caveat'), null);
    assert.equal(await visit('/runs/tiny/boundaries?method=ab%2Bkd&ckpt=final&image=0'), 200);
    assert.equal(await page.$('#ab-init-caveat'), null);
  },
);

test(
  'the results page tabulates the run and plots its errors',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    assert.equal(await visit('/results', 'results'), 200);
    const text = await page.$eval('table.results', (t) => t.textContent ?? '');
    assert.match(text, /tiny/);
    assert.equal((await page.$$('rect.bar')).length, 3);
    assert.match(
      await page.$eval('main', (m) => m.textContent ?? ''),
      /\| ab\+kd \| 12\.3 \| 11\.1 \|/,
    );
    const plot = await page.evaluate(
      `(async () => { const i = document.querySelector('img[alt$="plot.svg"]'); await i.decode(); return i.naturalWidth; })()`,
    );
    assert.equal(plot, 40);
    assert.equal(await visit('/compare?run=tiny'), 200);
    assert.equal((await page.$$('svg[data-title^="test error %"] g.series')).length, 4);
    // Two runs overlaid: a method keeps its colour, the run changes the line's dash.
    assert.equal(await visit('/compare?run=tiny&run=live', 'compare'), 200);
    const kd = await page.$$eval('svg[data-title^="test error %"] polyline.line', (ls) =>
      ls
        .filter((l) => / kd$/.test(l.getAttribute('data-series') ?? ''))
        .map((l) => [
          l.getAttribute('data-series'),
          l.getAttribute('stroke'),
          l.getAttribute('stroke-dasharray'),
        ]),
    );
    assert.equal(kd.length, 2);
    assert.deepEqual(
      kd.map((k) => k[0]),
      ['tiny: kd', 'live: kd'],
    );
    assert.equal(kd[0][1], kd[1][1]);
    assert.notEqual(kd[0][2], kd[1][2]);
  },
);

test(
  'unknown or path-like ids are 404 pages; the view is read-only',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    assert.equal(await visit('/runs/nope'), 404);
    assert.match(await page.$eval('h1', (h) => h.textContent ?? ''), /Not found/);
    for (const p of [
      '/runs/..%2F..%2Fetc%2Fpasswd',
      '/runs/%2E%2E/boundaries',
      '/runs/tiny/boundaries?method=..%2Fteacher',
      '/runs/tiny/boundaries?method=ab%2Bkd&image=30',
      '/runs/tiny/boundaries?method=ab%2Bkd&image=-1',
      '/runs/tiny/boundaries?ckpt=..%2F..',
      '/reports/..%2Fruns%2Ftiny%2Fresult.json',
      '/runs/tiny/result.json',
      '/repro/teachers/t/model.json',
      '/reports/nothing.md',
      '/nowhere',
    ]) {
      assert.equal(await visit(p), 404, p);
    }
    for (const p of [
      '/runs/../../etc/passwd',
      '/runs/tiny/../../../etc/passwd',
      '/reports/../runs/tiny/result.json',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/runs/%ZZ',
    ]) {
      assert.equal(await rawStatus(p), 404, p);
    }
    assert.equal(await rawStatus('/', 'POST'), 405);
    assert.equal(await rawStatus('/runs/tiny', 'DELETE'), 405);
    assert.equal(await listing(), snapshot, 'the store is unchanged');
  },
);

test(
  'with a token, a browser opens the view once with ?token= and then browses on its cookie',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    const locked = await startUiServer({ store, repoRoot: tmp.dir, token: 'browser-token' });
    try {
      assert.equal((await page.goto(`${locked.url}/runs/tiny`))!.status(), 401);
      const res = await page.goto(`${locked.url}/runs/tiny?token=browser-token`);
      assert.equal(res!.status(), 200);
      assert.equal(page.url(), `${locked.url}/runs/tiny`, 'the token is gone from the URL');
      assert.equal((await page.goto(`${locked.url}/`))!.status(), 200);
      assert.deepEqual(await page.$$eval('a.run-link', (as) => as.map((a) => a.textContent)), [
        'live',
        'tiny',
      ]);
      // HttpOnly: the page cannot read it.
      assert.equal(await page.evaluate('document.cookie'), '');
    } finally {
      await locked.close();
    }
  },
);
