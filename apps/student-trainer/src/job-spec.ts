import type { ArtifactStore } from '@abd/artifacts';
import { InvalidArgumentError, NotFoundError, validateName } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { ConfigError, RunConfig, RunMethod, validateRunConfig } from '@abd/train';

const METHODS: Record<string, RunMethod> = { none: 'none', ce: 'none', kd: 'kd', 'ab+kd': 'ab+kd', ab: 'ab+ce', 'ab+ce': 'ab+ce' };

/** A store-safe model id for a run's method: `<prefix>-ab-kd`. */
export function outputModelId(prefix: string, method: RunMethod): string {
  return `${prefix}-${method.replace(/\+/g, '-')}`;
}

function arch(a: { depth: number; widen: number } | undefined, field: string): string {
  if (!a || !a.depth || !a.widen) throw new InvalidArgumentError(field, 'needs depth and widen');
  return `wrn-${a.depth}-${a.widen}`;
}

const finite = (field: string, v: number): number => {
  if (!Number.isFinite(v)) throw new InvalidArgumentError(field, `must be a finite number, got ${v}`);
  return v;
};

/**
 * A whole-run JobSpec as the RunConfig the in-process pipeline takes (zero values = the
 * schema's defaults, i.e. the paper's code). `teacherArch` reads a stored teacher's arch.
 */
export async function runConfigOf(spec: studentTrainer.JobSpec, store: ArtifactStore, jobId: string): Promise<RunConfig> {
  if (spec.kind?.$case !== 'run') throw new InvalidArgumentError('spec.kind', `'${spec.kind?.$case ?? 'none'}' jobs are not supported by this trainer yet (use run)`);
  const r = spec.kind.run;
  const method = METHODS[r.method];
  if (!method) throw new InvalidArgumentError('spec.run.method', `unknown method '${r.method}' (known: ${Object.keys(METHODS).join(', ')})`);
  const dataset = validateName('spec.dataset.name', spec.dataset?.name || 'fashion-mnist');
  let teacher: Record<string, unknown>;
  if (r.teacherSource?.$case === 'teacher') {
    const id = validateName('spec.run.teacher.id', r.teacherSource.teacher.id);
    let json: { modelTopology: { config: { depth: number; widen: number } } };
    try {
      json = await store.getJson(`models/${id}/model.json`);
    } catch {
      throw new NotFoundError(`model '${id}' not found (no models/${id}/model.json in the store)`);
    }
    teacher = { arch: `wrn-${json.modelTopology.config.depth}-${json.modelTopology.config.widen}`, checkpoint: `models/${id}` };
  } else if (r.teacherSource?.$case === 'trainTeacher') {
    const t = r.teacherSource.trainTeacher;
    teacher = { arch: arch(t.arch, 'spec.run.train_teacher.arch'), epochs: t.epochs || undefined, init: t.arch?.init === 'default' ? 'torch' : 'paper' };
  } else throw new InvalidArgumentError('spec.run.teacher_source', 'give teacher or train_teacher');
  const ab = method.startsWith('ab+');
  let e1 = r.initEpochs;
  let e2 = r.classifyEpochs;
  if (!ab) {
    // none/kd train for E₁+E₂ epochs in one stage; the pipeline wants both ≥ 1.
    if (e1 === 0) [e1, e2] = [1, e2 - 1];
  }
  const sub = spec.subset;
  const p = r.methodParams;
  const raw = {
    name: (spec.name || jobId).replace(/[^A-Za-z0-9._/-]/g, '-'),
    seed: spec.seed,
    dataset: {
      name: dataset,
      subset: sub ? { ...(sub.size?.$case === 'fraction' ? { fraction: finite('spec.subset.fraction', sub.size.fraction) } : { count: sub.size?.count }), seed: sub.seed } : undefined,
    },
    teacher,
    student: { arch: arch(r.student, 'spec.run.student'), init: r.student?.init === 'default' ? 'torch' : 'paper', seed: p.student_seed ?? 1 },
    methods: [method],
    epochs: { e1, e2 },
    ab: {
      mu: finite('spec.run.ab.mu', r.ab?.mu ?? 0) || undefined,
      weights: r.ab?.tapWeights.length ? r.ab.tapWeights.map((w) => finite('spec.run.ab.tap_weights', w.weight)) : undefined,
      teacherBnMode: r.ab?.teacherBnTrainMode ? 'train' : 'eval',
      resetOptimizer: r.ab?.optimizerResetFraction === 1 ? false : undefined,
    },
    kd: { temperature: finite('spec.run.kd.temperature', r.kd?.temperature ?? 0) || undefined, t2Factor: r.kd?.tSquared || undefined, alpha: r.kd?.ceWeight || undefined },
    train: {
      batchSize: spec.batchSize || undefined,
      lr: finite('spec.lr.initial_lr', spec.lr?.initialLr ?? 0) || undefined,
      momentum: spec.lr?.momentum || undefined,
      weightDecay: spec.lr?.weightDecay || undefined,
      nesterov: spec.lr ? spec.lr.nesterov : undefined,
      schedule: spec.lr?.perStep ? 'per-step' : undefined,
      augment: spec.augmentation ? { pad: spec.augmentation.pad, flip: spec.augmentation.flip } : undefined,
    },
  };
  try {
    return validateRunConfig(JSON.parse(JSON.stringify(raw)));
  } catch (e) {
    if (e instanceof ConfigError) throw new InvalidArgumentError(`spec (${e.path || 'config'})`, e.message);
    throw e;
  }
}

/** One whole-run JobSpec per method of a RunConfig (what `abd run --remote` submits). */
export function jobSpecsOf(cfg: RunConfig, teacherId: string): studentTrainer.JobSpec[] {
  const wrn = (a: string) => {
    const m = /(\d+)-(\d+)$/.exec(a)!;
    return { family: 'wrn', depth: Number(m[1]), widen: Number(m[2]), numClasses: 0, init: cfg.student.init === 'torch' ? 'default' : 'paper' };
  };
  return cfg.methods.map((method) => ({
    name: `${cfg.name}-${method}`,
    seed: cfg.seed,
    dataset: { name: cfg.dataset.name },
    subset: cfg.dataset.subset
      ? { size: cfg.dataset.subset.fraction !== undefined ? { $case: 'fraction', fraction: cfg.dataset.subset.fraction } : { $case: 'count', count: cfg.dataset.subset.count! }, seed: cfg.dataset.subset.seed }
      : undefined,
    batchSize: cfg.train.batchSize,
    lr: { initialLr: cfg.train.lr, momentum: cfg.train.momentum, weightDecay: cfg.train.weightDecay, nesterov: cfg.train.nesterov, milestones: [], divisor: 0, perStep: cfg.train.schedule === 'per-step' },
    augmentation: { pad: cfg.train.augment.pad, flip: cfg.train.augment.flip },
    kind: {
      $case: 'run',
      run: {
        teacherSource: { $case: 'teacher', teacher: { id: teacherId, epoch: 0 } },
        student: wrn(cfg.student.arch),
        initEpochs: cfg.epochs.e1,
        classifyEpochs: cfg.epochs.e2,
        method,
        ab: { mu: cfg.ab.mu, tapWeights: cfg.ab.weights.map((weight, i) => ({ tap: `tap${i + 1}`, weight })), teacherBnTrainMode: cfg.ab.teacherBnMode === 'train', lr: 0, optimizerResetFraction: cfg.ab.resetOptimizer ? 0 : 1 },
        kd: { temperature: cfg.kd.temperature, tSquared: cfg.kd.t2Factor, ceWeight: cfg.kd.alpha },
        outputPrefix: '',
        methodParams: { student_seed: cfg.student.seed },
      },
    },
  }));
}
