import type { ArtifactStore } from '@abd/artifacts';
import { InvalidArgumentError } from '@abd/grpc-kit';
import type { studentTrainer } from '@abd/proto';
import { ConfigError, RunConfig, validateRunConfig } from '@abd/train';
import { firstHole } from '@abd/train-io';
import { storedRunTeacher } from './stored-model';

const FIELD = 'spec.run.config_json';

/** `wrn-16-2` and `16-2` name the same WRN. */
const wrnOf = (arch: string): string => arch.toLowerCase().replace(/^(wrn-)?/, 'wrn-');

/** The structured recipe fields set beside config_json (each would otherwise be ignored). */
function conflicting(spec: studentTrainer.JobSpec, r: studentTrainer.RunJob): string[] {
  const set: [string, boolean][] = [
    ['spec.seed', spec.seed !== 0],
    ['spec.dataset', spec.dataset !== undefined],
    ['spec.subset', spec.subset !== undefined],
    ['spec.batch_size', spec.batchSize !== 0],
    ['spec.lr', spec.lr !== undefined],
    ['spec.augmentation', spec.augmentation !== undefined],
    ['spec.run.train_teacher', r.teacherSource?.$case === 'trainTeacher'],
    ['spec.run.student', r.student !== undefined],
    ['spec.run.init_epochs', r.initEpochs !== 0],
    ['spec.run.classify_epochs', r.classifyEpochs !== 0],
    ['spec.run.ab', r.ab !== undefined],
    ['spec.run.kd', r.kd !== undefined],
    ['spec.run.method_params', Object.keys(r.methodParams).length > 0],
  ];
  return set.filter(([, on]) => on).map(([f]) => f);
}

/**
 * The RunConfig of a run job's config_json: parsed and validated by libs/train's own
 * validator; every problem is INVALID_ARGUMENT naming the field.
 */
export async function runConfigOfJson(
  spec: studentTrainer.JobSpec,
  r: studentTrainer.RunJob,
  store: ArtifactStore,
): Promise<RunConfig> {
  const extra = conflicting(spec, r);
  if (extra.length)
    throw new InvalidArgumentError(
      extra[0],
      `must be unset when ${FIELD} is given (the config is the whole recipe; also set: ${extra.join(', ')})`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(r.configJson);
  } catch (e) {
    throw new InvalidArgumentError(FIELD, `is not valid JSON: ${(e as Error).message}`);
  }
  const hole = firstHole(raw, FIELD);
  if (hole)
    throw new InvalidArgumentError(
      hole,
      'is null (or was a non-finite number); a complete config gives every value',
    );
  let cfg: RunConfig;
  try {
    cfg = validateRunConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new InvalidArgumentError(`${FIELD}.${e.path || 'config'}`, e.message);
    throw e;
  }
  if (cfg.methods.length !== 1)
    throw new InvalidArgumentError(
      `${FIELD}.methods`,
      `a run job trains one method, got [${cfg.methods.join(', ')}]`,
    );
  if (r.method && r.method !== cfg.methods[0])
    throw new InvalidArgumentError(
      'spec.run.method',
      `'${r.method}' differs from ${FIELD}.methods [${cfg.methods[0]}]`,
    );
  if (cfg.teacher.format !== undefined && r.teacherSource !== undefined) {
    throw new InvalidArgumentError(
      'spec.run.teacher',
      `must be unset when ${FIELD}.teacher.format gives the teacher`,
    );
  }
  if (r.teacherSource?.$case === 'teacher') {
    const m = await storedRunTeacher(store, r.teacherSource.teacher);
    if (wrnOf(cfg.teacher.arch) !== m.arch)
      throw new InvalidArgumentError(
        `${FIELD}.teacher.arch`,
        `'${cfg.teacher.arch}' but the stored teacher '${m.id}' is ${m.arch}`,
      );
    if (cfg.teacher.checkpoint !== undefined && cfg.teacher.checkpoint !== m.key) {
      throw new InvalidArgumentError(
        `${FIELD}.teacher.checkpoint`,
        `'${cfg.teacher.checkpoint}' differs from spec.run.teacher (${m.key})`,
      );
    }
    cfg.teacher.checkpoint = m.key;
  } else if (
    cfg.teacher.checkpoint !== undefined &&
    !/^models\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(cfg.teacher.checkpoint)
  ) {
    throw new InvalidArgumentError(
      `${FIELD}.teacher.checkpoint`,
      `must be a stored model (models/<id>) on the trainer, got '${cfg.teacher.checkpoint}'`,
    );
  }
  return cfg;
}
