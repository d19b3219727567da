// Regenerates docs/ui/*.png: two small real runs (band dataset of the tests, WRN-10-2 teacher →
// WRN-10-1 student, so the AB stage has connectors), then one screenshot per page.
// Usage: node --import tsx libs/ui/src/screenshots.ts [out-dir]   (about a minute on 2 cores)
import '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '@abd/artifacts';
import { initBackend } from '@abd/tensor';
import { loadRunData, runPipeline } from '@abd/train';
import { tinyConfig, writeBandDataset } from '@abd/train/testing';
import { startUiServer } from './server';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'docs', 'ui'));
  const dir = mkdtempSync(join(tmpdir(), 'abd-ui-demo-'));
  try {
    await initBackend();
    writeBandDataset(dir, 400, 100);
    const store = openStore(join(dir, 'store'));
    const base = tinyConfig(dir);
    for (const [id, count] of [
      ['band-200', 200],
      ['band-50', 50],
    ] as const) {
      const cfg = {
        ...base,
        name: `demo/${id}`,
        dataset: { ...base.dataset, subset: { count, seed: 0 } },
        teacher: { ...base.teacher, arch: 'wrn-10-2', epochs: 4 },
        epochs: { e1: 3, e2: 5 },
      };
      const data = await loadRunData(cfg);
      console.log(`run ${id}…`);
      await runPipeline(cfg, { store, runId: id }, data);
    }
    const ui = await startUiServer({ store, repoRoot: dir });
    const { launch } = await import('puppeteer-core');
    const browser = await launch({
      executablePath: process.env.ABD_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      userDataDir: join(dir, 'chromium'),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1440, height: 900 });
      mkdirSync(out, { recursive: true });
      for (const [name, path] of [
        ['runs', '/'],
        ['run', '/runs/band-200'],
        ['compare', '/compare?run=band-200&run=band-50'],
        ['results', '/results'],
        ['boundaries', '/runs/band-200/boundaries?method=ab%2Bkd&image=3'],
      ]) {
        await page.goto(ui.url + path, { waitUntil: 'load' });
        await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
        console.log(`${out}/${name}.png`);
      }
    } finally {
      await browser.close();
      await ui.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
