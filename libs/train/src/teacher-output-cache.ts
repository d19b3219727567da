import { createHash } from 'node:crypto';

/**
 * Everything that determines one batch's teacher outputs (sign maps, logits). Built the same way
 * in-process (LocalBatchSource) and by the boundary-extractor's store cache, so an output is
 * computed once per distinct value of these fields and a change of any one of them is a miss.
 */
export interface TeacherOutputFields {
  /** `id`: a readable name; `weightsHash`: of the weights and BN statistics (or the checkpoint files). */
  teacher: { id: string; weightsHash: string };
  /** The split's contents hash (`datasetHash`), not only its name: another copy of the data is another key. */
  dataset: { name: string; split: 'train' | 'test'; contentHash: string };
  /** Hash of the dataset indices the batches are drawn from (`indicesHash`: subset size, seed, split size). */
  subset: string;
  batchSize: number;
  /** Seed of the batch order and augmentation. */
  seed: number;
  shuffle: boolean;
  epoch: number;
  /** 0-based batch within the epoch. */
  index: number;
  augmentation: { pad: number; flip: boolean } | null;
  /** The teacher's BN: running statistics, or the batch's own (then the batch's composition matters too; it is fixed by the fields above). */
  bnMode: 'eval' | 'train';
  /** Tap names in order ([] = all of the teacher's). */
  taps: readonly string[];
  /** The input normalization applied before the teacher; null = the teacher's own. */
  normalization: { mean: readonly number[]; std: readonly number[] } | null;
}

/**
 * The cache key of one batch's teacher outputs: `<hash of every field but the index>/<index>`. The
 * first part names the epoch's outputs (the store cache's directory, see `epochOfKey`). Field order
 * is fixed here, so two equal field sets always give one key whatever order their objects were built in.
 */
export function teacherOutputKey(f: TeacherOutputFields): string {
  const a = f.augmentation;
  const n = f.normalization;
  const canonical = JSON.stringify([
    'teacher-outputs/v1',
    f.teacher.id,
    f.teacher.weightsHash,
    f.dataset.name,
    f.dataset.split,
    f.dataset.contentHash,
    f.subset,
    f.batchSize,
    f.seed,
    f.shuffle,
    f.epoch,
    a ? [a.pad, a.flip] : null,
    f.bnMode,
    [...f.taps],
    n ? [[...n.mean], [...n.std]] : null,
  ]);
  if (!Number.isInteger(f.index) || f.index < 0)
    throw new Error(`teacherOutputKey: index must be an integer >= 0, got ${f.index}`);
  return `${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}/${f.index}`;
}

/** The epoch part of a `teacherOutputKey`. */
export function epochOfKey(key: string): string {
  return key.slice(0, key.indexOf('/'));
}

/** One batch's cached outputs: logits, and sign maps packed 1 bit per neuron (`packSigns`). */
export interface TeacherOutputEntry {
  logits?: Float32Array;
  signs?: Uint8Array[];
  signShapes?: number[][];
}

/** 256 MiB: two epochs of WRN-16-2 sign maps over all of Fashion-MNIST (≈ 3.1 KB an image). */
export const DEFAULT_TEACHER_CACHE_BYTES = 256 * 2 ** 20;

/** The bound from env ABD_TEACHER_CACHE_MB (0 turns the cache off), else the default. */
export function teacherCacheBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.ABD_TEACHER_CACHE_MB;
  if (v === undefined || v === '') return DEFAULT_TEACHER_CACHE_BYTES;
  const mb = Number(v);
  if (!Number.isFinite(mb) || mb < 0)
    throw new Error(`ABD_TEACHER_CACHE_MB must be a number of MiB >= 0, got '${v}'`);
  return Math.floor(mb * 2 ** 20);
}

export interface TeacherCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
  evicted: number;
  /** Images whose outputs were computed (put) because no entry had them. */
  computedImages: number;
}

const sizeOf = (e: TeacherOutputEntry) =>
  (e.logits?.byteLength ?? 0) + (e.signs ?? []).reduce((s, b) => s + b.byteLength, 0);

/**
 * Teacher outputs in memory, least recently used evicted first once over `maxBytes`. One instance
 * is shared by every source that should share outputs: the methods of a run, the cells of a sweep.
 * A hit hands out copies, so no user can change what the next one reads.
 */
export class TeacherOutputCache {
  private readonly entries = new Map<string, TeacherOutputEntry>();
  // Whole-split results of a teacher (its test evaluation): a few hundred bytes each, kept unbounded.
  private readonly results = new Map<string, Promise<unknown>>();
  readonly stats: TeacherCacheStats = {
    hits: 0,
    misses: 0,
    entries: 0,
    bytes: 0,
    evicted: 0,
    computedImages: 0,
  };

  constructor(readonly maxBytes: number = DEFAULT_TEACHER_CACHE_BYTES) {
    if (!(Number.isFinite(maxBytes) && maxBytes >= 0))
      throw new Error(`TeacherOutputCache: maxBytes must be >= 0, got ${maxBytes}`);
  }

  /** The entry when it has everything asked for (a copy), else undefined (a miss). */
  get(key: string, want: { signs: boolean; logits: boolean }): TeacherOutputEntry | undefined {
    const e = this.entries.get(key);
    if (!e || (want.logits && !e.logits) || (want.signs && !e.signs)) {
      this.stats.misses++;
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, e);
    this.stats.hits++;
    return {
      logits: want.logits ? e.logits!.slice() : undefined,
      signs: want.signs ? e.signs!.map((b) => b.slice()) : undefined,
      signShapes: want.signs ? e.signShapes!.map((s) => s.slice()) : undefined,
    };
  }

  /** Stores computed outputs of `images` images (merged with what the key has), then evicts to the bound. */
  put(key: string, entry: TeacherOutputEntry, images: number): void {
    this.stats.computedImages += images;
    const old = this.entries.get(key);
    const merged: TeacherOutputEntry = {
      logits: (entry.logits ?? old?.logits)?.slice(),
      signs: entry.signs ? entry.signs.map((b) => b.slice()) : old?.signs,
      signShapes: entry.signs ? entry.signShapes!.map((s) => s.slice()) : old?.signShapes,
    };
    if (old) this.drop(key, old);
    const size = sizeOf(merged);
    if (size > this.maxBytes) return;
    this.entries.set(key, merged);
    this.stats.bytes += size;
    this.stats.entries++;
    for (const [k, e] of this.entries) {
      if (this.stats.bytes <= this.maxBytes) break;
      this.drop(k, e);
      this.stats.evicted++;
    }
  }

  /** `compute()` once per key (concurrent callers share it); a failure is not kept. */
  remember<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.results.get(key) as Promise<T> | undefined;
    if (p) {
      this.stats.hits++;
      return p;
    }
    this.stats.misses++;
    p = compute();
    this.results.set(key, p);
    p.catch(() => this.results.delete(key));
    return p;
  }

  private drop(key: string, e: TeacherOutputEntry): void {
    this.entries.delete(key);
    this.stats.bytes -= sizeOf(e);
    this.stats.entries--;
  }
}
