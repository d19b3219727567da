// Shared by the browser tests: a store filled by real small runs, and the view of it in
// headless Chromium.
import '@tensorflow/tfjs-core';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ArtifactStore, openStore } from '@abd/artifacts';
import { initBackend } from '@abd/tensor';
import { RunResult, runPipeline } from '@abd/train';
import { tinyConfig, writeBandDataset } from '@abd/train/testing';
import { launchChromium } from '../chromium';
import { startUiServer, UiServer } from '../server';

/** The browser's getComputedStyle, inside page callbacks (the tests have no DOM types). */
export type Styled = { getComputedStyle(e: unknown): { fill: string; visibility: string } };

/**
 * `tiny`: a finished run (WRN-10-1 teacher trained 1 epoch; none, kd, ab+kd at 1+1 epochs).
 * `live`: methods in the other order and more epochs than testEvery, stopped during its last
 * method's 2nd epoch; written just now, so the view shows it as running. Plus a queued
 * student-trainer job record and the files `abd repro` leaves (only the files matter here).
 */
export async function fillStore(dir: string): Promise<{ store: ArtifactStore; result: RunResult }> {
  await initBackend();
  writeBandDataset(dir, 100, 30);
  const store = openStore(join(dir, 'store'));
  const result = await runPipeline(tinyConfig(dir), { store, runId: 'tiny' });
  const ctl = new AbortController();
  const liveCfg = tinyConfig(dir, { methods: ['kd', 'none'], epochs: { e1: 1, e2: 2 } });
  await runPipeline(
    { ...liveCfg, train: { ...liveCfg.train, testEvery: 10 } },
    {
      store,
      runId: 'live',
      signal: ctl.signal,
      onEvent: (e) => e.type === 'epoch' && e.label.startsWith('none') && ctl.abort(),
    },
  );
  await store.putJson('jobs/job-q1/job.json', {
    id: 'job-q1',
    state: 'JOB_STATE_QUEUED',
    stage: '',
    epoch: 0,
    totalEpochs: 2,
    createdMs: 1,
    updatedMs: 1,
  });
  const sweep = 'repro/fast-training/fashion-mnist/smoke';
  await store.put(
    `${sweep}/table.md`,
    '| method | error % | paper |\n|---|---|---|\n| ab+kd | 12.3 | 11.1 |\n',
  );
  await store.put(
    `${sweep}/plot.svg`,
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>',
  );
  await store.putJson('repro/teachers/t/model.json', { secret: 'not a report' });
  return { store, result };
}

export interface View {
  ui: UiServer;
  browser: Browser;
  page: Page;
  /** Opens a path and returns its HTTP status; ABD_UI_SCREENSHOTS=<dir> also saves `shot`.png. */
  visit(path: string, shot?: string): Promise<number>;
  close(): Promise<void>;
}

export async function openView(store: ArtifactStore, dir: string): Promise<View> {
  const shots = process.env.ABD_UI_SCREENSHOTS
    ? resolve(process.env.ABD_UI_SCREENSHOTS)
    : undefined;
  const ui = await startUiServer({ store, repoRoot: dir, log: (l) => console.error(l) });
  const browser = await launchChromium(join(dir, 'chromium'));
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  return {
    ui,
    browser,
    page,
    visit: async (path, shot) => {
      const res = await page.goto(ui.url + path, { waitUntil: 'load' });
      if (shots && shot) {
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: join(shots, `${shot}.png`), fullPage: true });
      }
      return res!.status();
    },
    close: async () => {
      await browser.close();
      await ui.close();
    },
  };
}
