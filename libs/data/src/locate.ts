import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError } from './data-error';
import { downloadFiles } from './download';
import { FASHION_MNIST_CHECKSUMS, FASHION_MNIST_URL, IDX_FILES, type IdxRole } from './idx-files';

export type DataOrigin = 'configured' | 'debian' | 'cache' | 'download';

export interface LocateOptions {
  /** The dataset's own directory (overrides env ABD_DATA_DIR). */
  dir?: string;
  /** The dataset's cache directory (default `$ABD_CACHE_DIR/datasets/<name>`, `~/.cache/abd/...`). */
  cacheDir?: string;
  /** Download when not found (Fashion-MNIST only). Default true unless env ABD_OFFLINE=1. */
  download?: boolean;
  /** Where the Debian package puts the files; for tests. */
  systemDir?: string;
  /** Base URL to download from (default env ABD_FASHION_MNIST_URL or the canonical URL). */
  baseUrl?: string;
}

export interface Located {
  dir: string;
  source: DataOrigin;
}

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const APT_HINT = 'apt-get install -y dataset-fashion-mnist';

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Path of an IDX file in `dir`, `.gz` preferred, else raw; undefined when neither exists. */
export async function idxPath(dir: string, role: IdxRole): Promise<string | undefined> {
  const base = join(dir, IDX_FILES[role]);
  if (await isFile(`${base}.gz`)) return `${base}.gz`;
  if (await isFile(base)) return base;
  return undefined;
}

/** Names of the IDX files missing from `dir` (empty when it holds a complete dataset). */
async function missingIdx(dir: string): Promise<string[]> {
  const roles = Object.keys(IDX_FILES) as IdxRole[];
  const found = await Promise.all(roles.map((r) => idxPath(dir, r)));
  return roles.filter((_, i) => !found[i]).map((r) => `${IDX_FILES[r]}.gz`);
}

/** Root under which datasets are cached: $ABD_CACHE_DIR or ~/.cache/abd. */
export function cacheRoot(): string {
  return process.env.ABD_CACHE_DIR || join(homedir(), '.cache', 'abd');
}

/** Candidate directories from env ABD_DATA_DIR: the directory itself, or its `<name>` child. */
function envCandidates(name: string, direct: boolean): string[] {
  const root = process.env.ABD_DATA_DIR;
  if (!root) return [];
  return direct ? [root, join(root, name)] : [join(root, name)];
}

/**
 * Finds an MNIST-layout dataset: opts.dir (must be complete) → env ABD_DATA_DIR → `systemDir`
 * (Debian) → cache → download into the cache (when a URL and checksums are known).
 */
async function locateIdxDataset(
  name: string,
  opts: LocateOptions,
  system: string | undefined,
  remote: { url: string } | undefined,
): Promise<Located> {
  const tried: string[] = [];
  if (opts.dir) {
    const dir = resolve(opts.dir);
    const missing = await missingIdx(dir);
    if (missing.length === 0) return { dir, source: 'configured' };
    throw new DataError(`${name}: configured directory ${dir} lacks ${missing.join(', ')}`, dir);
  }
  const envDirs = envCandidates(name, name === 'fashion-mnist');
  for (const d of envDirs) {
    const dir = resolve(d);
    const missing = await missingIdx(dir);
    if (missing.length === 0) return { dir, source: 'configured' };
    tried.push(`${dir} (ABD_DATA_DIR; lacks ${missing.join(', ')})`);
  }
  if (envDirs.length === 0) tried.push('ABD_DATA_DIR (unset)');
  if (system) {
    const missing = await missingIdx(system);
    if (missing.length === 0) return { dir: system, source: 'debian' };
    tried.push(`${system} (${(await isDir(system)) ? `lacks ${missing.join(', ')}` : 'absent'})`);
  }
  const cache = resolve(opts.cacheDir ?? join(cacheRoot(), 'datasets', name));
  const cacheMissing = await missingIdx(cache);
  if (cacheMissing.length === 0) return { dir: cache, source: 'cache' };
  tried.push(
    `${cache} (cache; ${(await isDir(cache)) ? `lacks ${cacheMissing.join(', ')}` : 'absent'})`,
  );

  const download = opts.download ?? process.env.ABD_OFFLINE !== '1';
  let downloadNote: string;
  if (!remote) downloadNote = `${name} has no download source`;
  else if (!download) downloadNote = 'download disabled (download: false or ABD_OFFLINE=1)';
  else {
    try {
      await downloadFiles(remote.url, cache, FASHION_MNIST_CHECKSUMS);
      return { dir: cache, source: 'download' };
    } catch (e) {
      downloadNote = `download from ${remote.url} failed: ${(e as Error).message}`;
    }
  }
  const fix =
    name === 'fashion-mnist'
      ? `Run \`${APT_HINT}\`, or set ABD_DATA_DIR to a directory holding ` +
        `${Object.values(IDX_FILES)
          .map((f) => `${f}.gz`)
          .join(', ')}`
      : `Put ${Object.values(IDX_FILES)
          .map((f) => `${f}.gz`)
          .join(', ')} in ${cache}, ` + `or in $ABD_DATA_DIR/${name}, or pass dir`;
  throw new DataError(
    `${name} not found. Looked in: ${tried.join('; ')}; ${downloadNote}. ${fix}.`,
    cache,
  );
}

/**
 * Finds Fashion-MNIST: configured dir (opts.dir or env ABD_DATA_DIR, itself or its
 * `fashion-mnist/`) → Debian's /usr/share/datasets/fashion-mnist → the cache → a verified
 * download from the canonical URL (env ABD_FASHION_MNIST_URL overrides) into the cache.
 */
export async function locateFashionMnist(opts: LocateOptions = {}): Promise<Located> {
  const url = opts.baseUrl ?? (process.env.ABD_FASHION_MNIST_URL || FASHION_MNIST_URL);
  return locateIdxDataset('fashion-mnist', opts, opts.systemDir ?? DEBIAN_FASHION_MNIST_DIR, {
    url,
  });
}

/** Finds MNIST (same layout; no Debian package, no download): opts.dir, $ABD_DATA_DIR/mnist, cache. */
export async function locateMnist(opts: LocateOptions = {}): Promise<Located> {
  return locateIdxDataset('mnist', opts, undefined, undefined);
}

export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

/**
 * Finds CIFAR-10 (binary version): a directory holding `cifar-10-batches-bin/` or the batch
 * files themselves, from opts.dir, $ABD_DATA_DIR/cifar10, $ABD_DATA_DIR, or the cache.
 */
export async function locateCifar10(opts: LocateOptions = {}): Promise<Located> {
  const roots: Array<[string, DataOrigin]> = [];
  const env = process.env.ABD_DATA_DIR;
  if (opts.dir) roots.push([resolve(opts.dir), 'configured']);
  else {
    if (env) roots.push([resolve(env, 'cifar10'), 'configured'], [resolve(env), 'configured']);
    roots.push([resolve(opts.cacheDir ?? join(cacheRoot(), 'datasets', 'cifar10')), 'cache']);
  }
  const need = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES];
  const tried: string[] = [];
  for (const [root, source] of roots) {
    for (const dir of [join(root, 'cifar-10-batches-bin'), root]) {
      const ok = await Promise.all(need.map((f) => isFile(join(dir, f))));
      if (ok.every(Boolean)) return { dir, source };
      tried.push(dir);
    }
  }
  throw new DataError(
    `cifar10 not found: none of ${tried.join(', ')} holds ${need.join(', ')}. Download the ` +
      `binary version (cifar-10-binary.tar.gz), unpack it, and set ABD_DATA_DIR or pass dir.`,
    tried[0],
  );
}
