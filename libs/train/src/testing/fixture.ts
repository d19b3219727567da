// Test helpers: a small learnable dataset written as real IDX files, and a tiny run config.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  channelStats,
  ChannelStats,
  encodeIdx,
  IDX_FILES,
  ImageSet,
  loadDataset,
  subsetIndices,
} from '@abd/data';
import { initBackend } from '@abd/tensor';
import { AugmentSpec, LocalBatchSource, type LocalSourceOptions } from '../batch-source';
import { RunConfig, validateRunConfig } from '../run-config';

export function tempDir(prefix = 'abd-train-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 28×28 images whose class sets which horizontal band is bright, plus seeded noise. */
function images(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const px = 28 * 28;
  const out = new Uint8Array(n * px);
  const labels = new Uint8Array(n);
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    labels[i] = c;
    for (let p = 0; p < px; p++) {
      const row = Math.floor(p / 28);
      const band = Math.floor(row / 2.8) === c;
      out[i * px + p] = Math.min(255, (band ? 180 : 20) + Math.floor(rnd() * 60));
    }
  }
  return { images: out, labels };
}

/** Writes a Fashion-MNIST-layout dataset (gzip IDX) with nTrain/nTest images into dir. */
export function writeBandDataset(dir: string, nTrain: number, nTest: number): void {
  const tr = images(nTrain, 1);
  const te = images(nTest, 2);
  const w = (name: string, b: Uint8Array) => writeFileSync(join(dir, `${name}.gz`), gzipSync(b));
  w(IDX_FILES.trainImages, encodeIdx([nTrain, 28, 28], tr.images));
  w(IDX_FILES.trainLabels, encodeIdx([nTrain], tr.labels));
  w(IDX_FILES.testImages, encodeIdx([nTest, 28, 28], te.images));
  w(IDX_FILES.testLabels, encodeIdx([nTest], te.labels));
}

/**
 * A run small enough for a unit test: WRN-10-1 teacher and student, 1+1 epochs, the paper
 * code's recipe (what the structured gRPC job fields mean, which many tests compare against).
 */
export function tinyConfig(dataDir: string, over: Partial<RunConfig> = {}): RunConfig {
  return validateRunConfig({
    name: 'test/tiny',
    recipe: 'paper-code',
    dataset: { name: 'fashion-mnist', dir: dataDir, subset: { count: 64, seed: 0 } },
    teacher: { arch: 'wrn-10-1', epochs: 1 },
    student: { arch: 'wrn-10-1' },
    epochs: { e1: 1, e2: 1 },
    train: { batchSize: 32 },
    ...over,
  });
}

/**
 * The band dataset written by `writeBandDataset` in `dir`, loaded, and an in-process batch source
 * over its whole training split (no teacher).
 */
export async function bandSource(
  dir: string,
  o: { batchSize: number; seed?: number; augment: AugmentSpec | null },
): Promise<{ train: ImageSet; testSet: ImageSet; stats: ChannelStats; source: LocalBatchSource }> {
  const [train, testSet] = await Promise.all([
    loadDataset('fashion-mnist', 'train', { dir }),
    loadDataset('fashion-mnist', 'test', { dir }),
  ]);
  const stats = channelStats(train);
  const source = new LocalBatchSource({
    set: train,
    indices: subsetIndices(train, undefined),
    stats,
    batchSize: o.batchSize,
    seed: o.seed ?? 1,
    augment: o.augment,
  });
  return { train, testSet, stats, source };
}

/**
 * A band dataset of `nTrain` + `nTest` images for one test file: written in a fresh temp dir
 * before its tests (once the backend is up) and removed after them.
 */
export function bandDatasetForTests(
  nTrain: number,
  nTest: number,
  prefix?: string,
): { dir: string } {
  const tmp = tempDir(prefix);
  before(async () => {
    await initBackend();
    writeBandDataset(tmp.dir, nTrain, nTest);
  });
  after(() => tmp.cleanup());
  return tmp;
}

/**
 * The in-process source options of a band dataset written in `dir` (`nTrain` + `nTest` images):
 * its training split, `indices` of it, its channel statistics and the given batch recipe (no
 * teacher: a test adds its own).
 */
export async function bandSourceOptions(
  dir: string,
  nTrain: number,
  nTest: number,
  o: Pick<LocalSourceOptions, 'indices' | 'batchSize' | 'seed' | 'augment'>,
): Promise<LocalSourceOptions> {
  await initBackend();
  writeBandDataset(dir, nTrain, nTest);
  const set = await loadDataset('fashion-mnist', 'train', { dir });
  return { set, stats: channelStats(set), ...o };
}
