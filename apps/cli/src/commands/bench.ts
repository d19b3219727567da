import { parseWrnName, wrnFlops } from '@abd/models';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkFlags, num, UsageError } from '../args';
import { backendOf, REPO_ROOT } from '../context';
import { benchAb, benchGemm, benchInfer, benchTrain, TRAIN_CASES, type Case } from './bench-cases';
import { benchDistill, type Stage } from './bench-distill';
import { benchRemote } from './bench-remote';

/** `abd bench`: one machine-readable line per figure (`bench <what> … <value> <unit>`). */
export async function benchCommand(args: import('../args').ParsedArgs): Promise<void> {
  checkFlags(
    args,
    [
      'backend',
      'batch',
      'iters',
      'only',
      'compare',
      'remote',
      'batches',
      'teachers',
      'services',
      'teacher-cpus',
      'teacher',
      'student',
      'window',
      'teacher-threads',
    ],
    'bench',
  );
  const part = args.positionals[0];
  if (part !== undefined && part !== 'distill-ratio')
    throw new UsageError(`abd bench: unknown part '${part}' (known: distill-ratio)`);
  const stages =
    part === 'distill-ratio'
      ? distillStages(args.flags.get('only') as string | undefined)
      : undefined;
  const info = await backendOf(args);
  const batch = num(args, 'batch') ?? 128;
  const iters = num(args, 'iters') ?? 3;
  const only = args.flags.get('only') as string | undefined;
  console.log(
    `# backend ${info.backend}${info.native?.loaded ? ` + native kernels (${info.native.threads} threads)` : ''}; batch ${batch}; ${part === 'distill-ratio' ? 'each figure one epoch of --batches batches, timed from the end of its first step' : `${iters} timed steps after 1 warm-up`}`,
  );
  if (part === 'distill-ratio') {
    await benchDistill({
      batch,
      batches: num(args, 'batches') ?? 12,
      teacher: (args.flags.get('teacher') as string | undefined) ?? 'wrn-16-2',
      student: (args.flags.get('student') as string | undefined) ?? 'wrn-10-1',
      window: num(args, 'window') ?? 2,
      teacherThreads: num(args, 'teacher-threads'),
      services: args.flags.has('services'),
      teacherCpus: args.flags.get('teacher-cpus') as string | undefined,
      stages,
    });
    return;
  }
  if (args.flags.has('remote')) {
    await benchRemote(batch, num(args, 'batches') ?? 8, num(args, 'teachers') ?? 1);
    return;
  }
  const want = (k: string) => !only || only.split(',').includes(k);
  const ours = new Map<string, number>();
  const record = (key: string, v: number) => ours.set(key, v);
  // The GEMM rate is the ceiling the training and inference GFLOP/s are set against.
  const ceiling = want('gemm') || want('train') || want('infer') ? benchGemm(record) : 0;
  const gflops = (what: 'train' | 'infer', cs: Case, imgPerSec: number) => {
    const cfg = { ...parseWrnName(cs.arch), inChannels: cs.c, numClasses: 10 };
    const f = wrnFlops(cfg, cs.hw)[what === 'train' ? 'train' : 'forward'];
    const g = (f * imgPerSec) / 1e9;
    const key = `${cs.arch} ${cs.c}x${cs.hw}x${cs.hw}`;
    console.log(
      `bench gflops ${what} ${key} b${batch} ${g.toFixed(1)} GFLOP/s ${(g / ceiling).toFixed(2)} of the GEMM ceiling ${ceiling.toFixed(1)} GFLOP/s`,
    );
  };
  if (want('train'))
    for (const cs of TRAIN_CASES) {
      const key = `${cs.arch} ${cs.c}x${cs.hw}x${cs.hw}`;
      const v = benchTrain(cs, batch, iters);
      record(`train ${key}`, v);
      gflops('train', cs, v);
    }
  if (want('ab'))
    for (const t of ['wrn-16-4', 'wrn-22-4'])
      record(`ab-step ${t}->wrn-16-2 3x32x32`, benchAb(t, batch, iters));
  if (want('infer'))
    for (const m of ['wrn-16-4', 'wrn-22-4']) {
      const v = benchInfer(m, batch, iters);
      record(`infer ${m} 3x32x32`, v);
      gflops('infer', { arch: m, c: 3, hw: 32 }, v);
    }
  console.log(`bench peak-rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (args.flags.get('compare') === 'torch') compareTorch(ours, batch, iters, only);
  else if (args.flags.has('compare')) throw new UsageError(`--compare supports only 'torch'`);
}

/** `--only kd`, `--only ab` or both (the default) for distill-ratio. */
function distillStages(only: string | undefined): Stage[] | undefined {
  if (only === undefined) return undefined;
  const parts = only.split(',');
  for (const p of parts)
    if (p !== 'kd' && p !== 'ab')
      throw new UsageError(`abd bench distill-ratio --only: kd and/or ab, got '${p}'`);
  return parts as Stage[];
}

/** Runs tools/bench/torch_wrn.py with the same batch and steps, and prints ours/torch ratios. */
function compareTorch(
  ours: Map<string, number>,
  batch: number,
  iters: number,
  only: string | undefined,
): void {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const script = join(REPO_ROOT, 'tools', 'bench', 'torch_wrn.py');
  const r = spawnSync(
    py,
    [script, '--batch', String(batch), '--iters', String(iters), ...(only ? ['--only', only] : [])],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    console.log(
      `# torch comparison skipped: ${py} ${script} failed (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); install Debian's python3-torch and libopenblas0-pthread`,
    );
    return;
  }
  const theirs = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('#')) console.log(line);
    const m = /^torch (.+?) (?:b\d+ )?(?:teacher-forward )?([\d.]+) (img\/s|GFLOP\/s)$/.exec(line);
    if (m) theirs.set(m[1].replace(/^gemm /, 'gemm '), Number(m[2]));
  }
  for (const [k, v] of ours) {
    const t = theirs.get(k);
    if (t === undefined) continue;
    const unit = k.startsWith('gemm') ? 'GFLOP/s' : 'img/s';
    console.log(
      `compare ${k} ours ${v.toFixed(1)} torch ${t.toFixed(1)} ${unit} ratio ${(v / t).toFixed(2)}`,
    );
  }
}
