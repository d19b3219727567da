import { locateCifar10, locateFashionMnist, locateMnist, type DatasetName } from '@abd/data';
import { FailedPreconditionError, InvalidArgumentError, validateName } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { checkForeignRun, ConfigError, RUN_METHODS, type RunConfig } from '@abd/train';
import { foreignTeacherId, outputModelId } from './job-spec';

/**
 * Checks of a JobSpec that the RunConfig schema cannot make, run at StartJob after the spec was
 * turned into the RunConfig the in-process pipeline takes (runConfigOf / stagePlanOf, which
 * call libs/train's validateRunConfig): the store keys a run publishes, method_params that a
 * JSON round trip would silently drop (NaN → default), and that the dataset is on this machine;
 * a user's own dataset, teacher or student file is read with the pipeline's loaders (checkForeignRun).
 * A job that passes can run; one that does not is refused before anything is written.
 */
export async function admitJob(
  spec: studentTrainer.JobSpec,
  cfg: RunConfig,
  jobId: string,
): Promise<void> {
  if (spec.kind?.$case === 'run') {
    const run = spec.kind.run;
    for (const [k, v] of Object.entries(run.methodParams)) {
      if (!Number.isFinite(v))
        throw new InvalidArgumentError(
          `spec.run.method_params.${k}`,
          `must be a finite number, got ${v}`,
        );
    }
    // The published model ids are store keys (models/<id>); check the longest one now.
    const prefix = run.outputPrefix || jobId;
    validateName('spec.run.output_prefix', prefix);
    const longest = RUN_METHODS.filter((m) => cfg.methods.includes(m))
      .map((m) => outputModelId(prefix, m))
      .sort((a, b) => b.length - a.length)[0];
    if (longest) validateName('spec.run.output_prefix', longest);
  }
  const field =
    spec.kind?.$case === 'run' && spec.kind.run.configJson ? 'spec.run.config_json' : 'spec';
  if (!cfg.dataset.format) await checkInstalled(cfg);
  if (cfg.teacher.format || cfg.dataset.format || cfg.student.format) {
    // A user's teacher file is published to the store for teacher-inference as models/<job id>-teacher.
    if (cfg.teacher.format) validateName('job_id', foreignTeacherId(jobId));
    // The files are read here with the pipeline's own loaders (paths as this trainer sees them).
    try {
      await checkForeignRun(cfg);
    } catch (e) {
      if (e instanceof ConfigError)
        throw new InvalidArgumentError(`${field}.${e.path || 'config'}`, e.message);
      throw e;
    }
  }
}

/** The dataset is found where the pipeline's loadDataset will look (no download is started here). */
async function checkInstalled(cfg: RunConfig): Promise<void> {
  const name = cfg.dataset.name as DatasetName;
  // Fashion-MNIST can still be fetched at load time unless downloads are off.
  const downloadable = name === 'fashion-mnist' && process.env.ABD_OFFLINE !== '1';
  const opts = { dir: cfg.dataset.dir, download: false };
  try {
    if (name === 'cifar10') await locateCifar10(opts);
    else if (name === 'mnist') await locateMnist(opts);
    else await locateFashionMnist(opts);
  } catch (e) {
    if (downloadable) return;
    throw new FailedPreconditionError(
      `spec.dataset.name: dataset '${name}' is not installed on this trainer: ${(e as Error).message}`,
    );
  }
}

const UINT32_MAX = 0xffff_ffff;

/**
 * A job read back from job.json, made safe to answer with: an older trainer accepted specs
 * whose epoch counts overflow the uint32 fields (then every ListJobs failed to serialize).
 * Such a job is marked FAILED (not resumed), its counts clamped so the message encodes.
 */
export function sanitizeLoadedJob(job: studentTrainer.Job): studentTrainer.Job {
  const bad = [job.epoch, job.totalEpochs].some(
    (v) => !Number.isInteger(v) || v < 0 || v > UINT32_MAX,
  );
  if (!bad) return job;
  const clamp = (v: number) => (Number.isInteger(v) && v >= 0 ? Math.min(v, UINT32_MAX) : 0);
  return {
    ...job,
    epoch: clamp(job.epoch),
    totalEpochs: clamp(job.totalEpochs),
    state: studentTrainer.JobState.JOB_STATE_FAILED,
    error: `job.json holds epoch counts out of range (epoch ${job.epoch}, total ${job.totalEpochs}); the spec is refused at StartJob now`,
  };
}
