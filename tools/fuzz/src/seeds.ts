// One valid request per method (for the tiny teacher `teacher-a` the fuzz store holds), which
// the fuzzer mutates field by field: random messages alone rarely get past the first check.
export const FUZZ_TEACHER = 'teacher-a';

const model = { id: FUZZ_TEACHER };
const subset = { count: 20, seed: '0' };

export const SEEDS: Record<string, Record<string, unknown>> = {
  'abd.v1.TeacherInference/Describe': { model },
  'abd.v1.TeacherInference/Infer': {
    teacher: model,
    request_id: '1',
    images: { data: new Uint8Array(2 * 784), shape: [2, 28, 28, 1] },
    taps: ['tap1'],
  },
  'abd.v1.BoundaryExtractor/Stream': {
    teacher: model,
    dataset: { name: 'fashion-mnist' },
    split: 1,
    subset,
    batch_size: 10,
    taps: ['tap1'],
  },
  'abd.v1.Evaluator/Evaluate': {
    model,
    dataset: { name: 'fashion-mnist' },
    split: 2,
    subset,
    batch_size: 20,
  },
  'abd.v1.StudentTrainer/StartJob': {
    spec: {
      name: 'fuzz',
      dataset: { name: 'fashion-mnist' },
      subset,
      batch_size: 10,
      run: {
        teacher: model,
        student: { family: 'wrn', depth: 10, widen: 1, num_classes: 10 },
        init_epochs: 1,
        classify_epochs: 1,
        method: 'ab+kd',
      },
    },
  },
  'abd.v1.StudentTrainer/GetJob': { job_id: 'job-1' },
  'abd.v1.StudentTrainer/CancelJob': { job_id: 'job-1' },
  'abd.v1.StudentTrainer/WatchJob': { job_id: 'job-1' },
  'abd.v1.StudentTrainer/ListJobs': {},
  'grpc.health.v1.Health/Check': {},
};

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * The seed with each field (recursively) replaced by the generated one with probability `p`;
 * `bits` is a stream of uniform numbers in [0, 1) from fast-check, so shrinking and replay work.
 */
export function mutate(
  seed: Record<string, unknown>,
  gen: Record<string, unknown>,
  bits: () => number,
  p: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(seed), ...Object.keys(gen)])) {
    const s = seed[k];
    const g = gen[k];
    if (isPlain(s) && isPlain(g)) out[k] = mutate(s, g, bits, p);
    else if (s === undefined) out[k] = bits() < p / 2 ? g : undefined;
    else out[k] = g !== undefined && bits() < p ? g : s;
  }
  return out;
}
