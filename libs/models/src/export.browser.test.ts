// tfjs-layers and tfjs-graph exports loaded by stock @tensorflow/tfjs in a real browser (Debian chromium via
// puppeteer-core), served from a loopback http server with tfjs's own dist bundle.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { Wrn, wrnGraph, writeExport } from './index';
import { maxAbsDiff, randomizeBn, serveDirs } from './testing/export-fixtures';

const CHROMIUM = process.env.ABD_CHROMIUM ?? '/usr/bin/chromium';
const TFJS_DIST = join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist');
let dir: string;
let server: Server;
let url: string;
let browser: Browser;

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'abd-export-browser-'));
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><script src="/tfjs/tf.min.js"></script>',
  );
  ({ server, url } = await serveDirs({ '/tfjs/': TFJS_DIST, '/': dir }));
  const { launch } = await import('puppeteer-core');
  browser = await launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: join(dir, 'chromium'),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

test('stock tfjs in headless Chromium loads the tfjs-layers and tfjs-graph exports and gives our logits', async () => {
  const model = new Wrn({ depth: 10, widen: 2, inChannels: 3, numClasses: 7 }, 'torch', 9);
  randomizeBn(model, 4);
  const shape: [number, number, number, number] = [2, 9, 12, 3];
  const x = tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', 2).dataSync() as Float32Array);
  const ours = tf.tidy(
    () =>
      model.forward(tf.tensor4d(x, shape), { training: false }).logits.dataSync() as Float32Array,
  );
  await writeExport(wrnGraph(model), 'tfjs-layers', join(dir, 'm'));
  await writeExport(wrnGraph(model), 'tfjs-graph', join(dir, 'g'));
  model.dispose();
  const page = await browser.newPage();
  const res = await page.goto(`${url}/index.html`, { waitUntil: 'load' });
  assert.equal(res?.status(), 200);
  const got = await page.evaluate(
    async (values: number[], s: number[]) => {
      const g = globalThis as unknown as { tf: typeof import('@tensorflow/tfjs') };
      // The cpu backend: exact float32, no GPU here.
      await g.tf.setBackend('cpu');
      const m = await g.tf.loadLayersModel('/m/model.json');
      const input = g.tf.tensor4d(values, s as [number, number, number, number]);
      const y = m.predict(input) as import('@tensorflow/tfjs').Tensor;
      const gm = await g.tf.loadGraphModel('/g/model.json');
      const z = gm.predict(input) as import('@tensorflow/tfjs').Tensor;
      return {
        version: g.tf.version.tfjs,
        shape: y.shape,
        data: Array.from(await y.data()),
        graph: Array.from(await z.data()),
      };
    },
    Array.from(x),
    shape,
  );
  assert.equal(got.version, '4.22.0');
  assert.deepEqual(got.shape, [2, 7]);
  const d = maxAbsDiff(got.data, ours);
  assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
  const dg = maxAbsDiff(got.graph, ours);
  assert.ok(dg <= 1e-4, `graph model: max |Δlogit| ${dg}`);
});
