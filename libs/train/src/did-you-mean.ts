/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** `batch_size`, `Batch-Size` and `batchsize` all mean `batchSize`: case and separators are noise. */
const loose = (s: string) => s.toLowerCase().replace(/[-_+.\s]/g, '');

/**
 * The candidate `word` was most likely meant as, or undefined when none is close: same letters
 * up to case and separators, else an edit distance of at most a third of the word (≥ 1, ≤ 3).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const same = candidates.find((c) => loose(c) === loose(word) && c !== word);
  if (same !== undefined) return same;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = Math.min(editDistance(word, c), editDistance(loose(word), loose(c)));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= limit ? best : undefined;
}
