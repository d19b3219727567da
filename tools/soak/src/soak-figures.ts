// What a soak run measured, one line per figure, and which figures fail it.

export interface SoakFigures {
  seed: number;
  killsPlanned: number;
  kills: number;
  killsBy: Record<string, number>;
  jobState: string;
  jobError: string;
  weightsIdentical: boolean;
  shaReference: string;
  shaSoak: string;
  testErrorPercent?: number;
  rss: { name: string; beforeMb: number; afterMb: number; starts: number }[];
  /** Largest RSS of the trainer's job worker seen while the job ran (it exits with the job). */
  trainerWorkerPeakMb: number;
  /** RSS of the evaluator's worker process after the Evaluate of the student (0: none). */
  evaluatorWorkerMb: number;
  /** Trainer health checks during the job; p99/max/failedOutside count those outside its restarts. */
  health: {
    checks: number;
    counted: number;
    p99Ms: number;
    maxMs: number;
    failedOutside: number;
    failedInRestarts: number;
  };
  memory: {
    replica: string;
    images: number;
    requests: number;
    concurrency: number;
    beforeMb: number;
    peakMb: number;
    afterFirstMb: number;
    afterAllMb: number;
    healthP99Ms: number;
    healthFailed: number;
  };
  unplannedExits: string[];
  allHealthyAtEnd: boolean;
  seconds: number;
}

/** Growth over a run of maximum-size requests that still counts as flat (allocator noise). */
export const FLAT_TOLERANCE = { fraction: 0.15, mb: 48 };

const mb = (x: number): string => `${x.toFixed(0)} MiB`;

export function isFlat(m: SoakFigures['memory']): boolean {
  return m.afterAllMb <= m.afterFirstMb * (1 + FLAT_TOLERANCE.fraction) + FLAT_TOLERANCE.mb;
}

export function figureLines(f: SoakFigures): string[] {
  const by = Object.entries(f.killsBy)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const m = f.memory;
  return [
    `soak: kills survived ${f.jobState === 'JOB_STATE_SUCCEEDED' ? f.kills : 0} of ${f.killsPlanned} planned (${by || 'none'})`,
    `soak: job ${f.jobState}${f.jobError ? ` (${f.jobError})` : ''}`,
    `soak: weights identical ${f.weightsIdentical ? 'yes' : 'no'} (sha256 ${f.shaSoak.slice(0, 16) || '-'} vs undisturbed ${f.shaReference.slice(0, 16)})`,
    ...f.rss.map(
      (r) =>
        `soak: rss ${r.name} before ${mb(r.beforeMb)} after ${mb(r.afterMb)}${r.starts > 1 ? ` (started ${r.starts} times)` : ''}`,
    ),
    `soak: rss trainer job worker peak ${mb(f.trainerWorkerPeakMb)} (gone after the job)`,
    `soak: rss evaluator worker after its Evaluate ${mb(f.evaluatorWorkerMb)}`,
    `soak: health p99 during the job ${f.health.p99Ms.toFixed(0)} ms (max ${f.health.maxMs.toFixed(0)} ms; ${f.health.counted} checks outside restarts, ${f.health.failedOutside} failed; ${f.health.checks - f.health.counted} during the trainer's restarts, ${f.health.failedInRestarts} failed)`,
    `soak: memory ${m.replica} over ${m.requests} Infer of ${m.images} images, ${m.concurrency} at once: before ${mb(m.beforeMb)}, peak ${mb(m.peakMb)}, after the first round ${mb(m.afterFirstMb)}, after all ${mb(m.afterAllMb)} (${isFlat(m) ? 'flat' : 'GROWING'}); health p99 meanwhile ${m.healthP99Ms.toFixed(0)} ms, ${m.healthFailed} failed (1 s deadline)`,
    ...(f.testErrorPercent !== undefined
      ? [`soak: evaluator test error of the student ${f.testErrorPercent.toFixed(2)} %`]
      : []),
    `soak: unplanned exits ${f.unplannedExits.length}`,
    `soak: all healthy at the end ${f.allHealthyAtEnd ? 'yes' : 'no'}`,
    `soak: seconds ${f.seconds.toFixed(1)} (seed ${f.seed})`,
  ];
}

/** Why the run failed (empty = passed). */
export function failuresOf(f: SoakFigures): string[] {
  const out: string[] = [];
  if (f.jobState !== 'JOB_STATE_SUCCEEDED') out.push(`job ${f.jobState}: ${f.jobError}`);
  if (f.kills < f.killsPlanned)
    out.push(
      `only ${f.kills} of ${f.killsPlanned} kills before the job ended (give it more epochs)`,
    );
  if (!f.weightsIdentical) out.push('weights differ from the undisturbed run');
  if (f.health.failedOutside > 0)
    out.push(`${f.health.failedOutside} trainer health checks failed outside its restarts`);
  if (!(f.health.p99Ms < 1000)) out.push(`trainer health p99 ${f.health.p99Ms.toFixed(0)} ms`);
  if (!isFlat(f.memory)) out.push('teacher memory grows over maximum-size requests');
  if (f.memory.healthFailed > 0)
    out.push(
      `${f.memory.healthFailed} teacher health checks failed (1 s deadline) during maximum-size requests`,
    );
  if (!(f.memory.healthP99Ms < 1000))
    out.push(
      `teacher health p99 ${f.memory.healthP99Ms.toFixed(0)} ms during maximum-size requests`,
    );
  if (f.unplannedExits.length > 0) out.push(...f.unplannedExits.map((e) => `unplanned exit: ${e}`));
  if (!f.allHealthyAtEnd) out.push('a service is not SERVING at the end');
  return out;
}
