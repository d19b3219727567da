// Screenshots of the web view of a store with real runs (the README's docs/ui/*.png), taken
// with headless Chromium the way the browser test drives it.
// Usage: node --import tsx libs/ui/src/screenshots.ts --store DIR --run ID [--compare ID]
//          [--out docs/ui] [--image N]
import '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArtifactStore, openStore } from '@abd/artifacts';
import { initBackend } from '@abd/tensor';
import { launchChromium } from './chromium';
import { startUiServer } from './server';
import { loadRun } from './store-view';

export interface ScreenshotOptions {
  store: ArtifactStore;
  /** The run the run, results and boundary pages show. */
  runId: string;
  /** A second run to overlay on the compare page (no compare shot without one). */
  compareId?: string;
  out: string;
  /** Where the runs' relative teacher checkpoints resolve (the repository root). */
  repoRoot: string;
  /** Test image of the boundary page. */
  image?: number;
  log?: (line: string) => void;
}

/** One full-page PNG per page of the view; returns the files written. */
export async function captureScreenshots(o: ScreenshotOptions): Promise<string[]> {
  const run = await loadRun(o.store, o.runId);
  if (!run) throw new Error(`no run '${o.runId}' in ${o.store.url}`);
  const ab = run.methods.find((m) => m.startsWith('ab+'));
  const shots: Array<{ name: string; path: string; hover?: string }> = [
    { name: 'runs', path: '/' },
    // Hovering the last point of a method shows the value box a reader gets.
    {
      name: 'run',
      path: `/runs/${encodeURIComponent(run.id)}`,
      hover: `svg[data-title^="test error %"] g.series[data-series="${ab ?? run.methods[0]}"] g.point:last-of-type circle.pt`,
    },
    { name: 'results', path: '/results' },
  ];
  if (o.compareId)
    shots.push({
      name: 'compare',
      path: `/compare?run=${encodeURIComponent(run.id)}&run=${encodeURIComponent(o.compareId)}`,
    });
  if (ab)
    shots.push({
      name: 'boundaries',
      path: `/runs/${encodeURIComponent(run.id)}/boundaries?method=${encodeURIComponent(ab)}&image=${o.image ?? 3}`,
    });
  const ui = await startUiServer({ store: o.store, repoRoot: o.repoRoot });
  const profile = mkdtempSync(join(tmpdir(), 'abd-shots-'));
  const browser = await launchChromium(profile);
  const written: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    mkdirSync(o.out, { recursive: true });
    for (const s of shots) {
      const res = await page.goto(ui.url + s.path, { waitUntil: 'load' });
      if (res?.status() !== 200) throw new Error(`${s.path}: HTTP ${res?.status()}`);
      if (s.hover && (await page.$(s.hover))) await page.hover(s.hover);
      const file = join(o.out, `${s.name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      written.push(file);
      o.log?.(file);
    }
  } finally {
    await browser.close();
    await ui.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return written;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string' },
      run: { type: 'string' },
      compare: { type: 'string' },
      out: { type: 'string', default: join(__dirname, '..', '..', '..', 'docs', 'ui') },
      image: { type: 'string', default: '3' },
    },
    strict: true,
  });
  if (!values.store || !values.run)
    throw new Error(
      'usage: screenshots.ts --store DIR --run ID [--compare ID] [--out DIR] [--image N]',
    );
  // The boundary page runs teacher and student in-process.
  await initBackend();
  await captureScreenshots({
    store: openStore(resolve(values.store)),
    runId: values.run,
    compareId: values.compare,
    out: resolve(values.out!),
    repoRoot: resolve(__dirname, '..', '..', '..'),
    image: Number(values.image),
    log: (l) => console.log(l),
  });
}

if (require.main === module)
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
