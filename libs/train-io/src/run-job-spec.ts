import type { studentTrainer } from '@abd/proto';
import { ConfigError, type RunConfig, type RunMethod } from '@abd/train';

/**
 * The path of the first null in parsed JSON, or of a non-finite number in a config: the
 * schema reads null as "absent, take the default", and JSON writes NaN/±Infinity as null,
 * so either would silently become a default on the trainer.
 */
export function firstHole(v: unknown, path: string): string | undefined {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return path;
  if (typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const hole = firstHole(x, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
    if (hole) return hole;
  }
  return undefined;
}

/**
 * The JobSpec of one method of a run that carries its whole validated config, so the trainer
 * runs exactly what `abd run` would (no key is mapped, so none can be dropped).
 */
export function configJobSpec(
  cfg: RunConfig,
  method: RunMethod,
  teacherId: string,
): studentTrainer.JobSpec {
  // A user's teacher file (teacher.format) is no stored model: the config carries it as it is (admission refuses it).
  const foreign = cfg.teacher.format !== undefined;
  const one: RunConfig = {
    ...cfg,
    methods: [method],
    teacher: foreign ? cfg.teacher : { ...cfg.teacher, checkpoint: `models/${teacherId}` },
  };
  const hole = firstHole(one, 'config');
  if (hole)
    throw new ConfigError(
      hole.replace(/^config\.?/, ''),
      `'${hole}' must be a finite number or a value, not null`,
    );
  return {
    name: `${cfg.name}-${method}`,
    seed: 0,
    batchSize: 0,
    kind: {
      $case: 'run',
      run: {
        teacherSource: foreign
          ? undefined
          : { $case: 'teacher', teacher: { id: teacherId, epoch: 0 } },
        initEpochs: 0,
        classifyEpochs: 0,
        method,
        outputPrefix: '',
        methodParams: {},
        configJson: JSON.stringify(one),
      },
    },
  };
}

/**
 * One whole-run JobSpec per method of a RunConfig (what `abd run --remote` submits); each
 * carries the complete config, with the teacher as the stored model `models/<teacherId>`.
 */
export function jobSpecsOf(cfg: RunConfig, teacherId: string): studentTrainer.JobSpec[] {
  return cfg.methods.map((method) => configJobSpec(cfg, method, teacherId));
}
