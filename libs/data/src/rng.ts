/**
 * Small seeded random numbers. Every random stream is keyed by a hash of everything it depends
 * on (purpose, seed, epoch, index…), so one image's augmentation never depends on another's and
 * runs repeat exactly.
 */

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of integers (each taken mod 2³²) into one uint32. */
export function hashKey(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    // Fold in values beyond 32 bits too, so large seeds do not collide with small ones.
    const lo = v >>> 0;
    const hi = Math.floor(v / 0x100000000) >>> 0;
    h = fmix32((h ^ lo) + Math.imul(hi, 0x27d4eb2f) + 0x6b43a9b5);
  }
  return h;
}

/** mulberry32: returns a generator of uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, k). */
export function randInt(rng: () => number, k: number): number {
  return Math.floor(rng() * k);
}

/** Distinct purposes get distinct streams even for equal (seed, epoch, index). */
export const STREAM = { order: 1, subset: 2, augment: 3 } as const;

/** In-place Fisher–Yates shuffle. */
export function shuffleInPlace(a: Int32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
