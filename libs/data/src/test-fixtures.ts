// Helpers for this library's tests: tiny datasets written in the real file formats.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from './idx';
import { IDX_FILES } from './idx-files';

export function tempDir(prefix = 'abd-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic bytes: pixel value depends on (image, position). */
export function pattern(n: number, size: number): Uint8Array {
  const a = new Uint8Array(n * size);
  for (let i = 0; i < a.length; i++) a[i] = (i * 7 + Math.floor(i / size) * 13) & 0xff;
  return a;
}

export interface FixtureIdx {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/** Writes an MNIST-layout dataset (28×28, gzip) of nTrain/nTest images into dir. */
export function writeIdxDataset(
  dir: string,
  nTrain: number,
  nTest: number,
  gzip = true,
): FixtureIdx {
  const size = 28 * 28;
  const data: FixtureIdx = {
    trainImages: pattern(nTrain, size),
    trainLabels: Uint8Array.from({ length: nTrain }, (_, i) => i % 10),
    testImages: pattern(nTest, size).map((v) => 255 - v),
    testLabels: Uint8Array.from({ length: nTest }, (_, i) => (i * 3) % 10),
  };
  const write = (name: string, bytes: Uint8Array): void =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write(IDX_FILES.trainImages, encodeIdx([nTrain, 28, 28], data.trainImages));
  write(IDX_FILES.trainLabels, encodeIdx([nTrain], data.trainLabels));
  write(IDX_FILES.testImages, encodeIdx([nTest, 28, 28], data.testImages));
  write(IDX_FILES.testLabels, encodeIdx([nTest], data.testLabels));
  return data;
}

/** One CIFAR-10 binary record per label: label byte then R, G, B planes (CHW). */
export function cifarBatch(
  labels: number[],
  pixel: (i: number, ch: number, p: number) => number,
): Uint8Array {
  const rec = 3073;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((l, i) => {
    out[i * rec] = l;
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 1024; p++) out[i * rec + 1 + ch * 1024 + p] = pixel(i, ch, p) & 0xff;
    }
  });
  return out;
}

/** Runs fn with some environment variables set (undefined = unset), restoring them after. */
export async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
