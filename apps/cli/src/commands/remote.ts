import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { status as Status } from '@grpc/grpc-js';
import { authTokenFromEnv, localAddress, makeClient } from '@abd/grpc-kit';
import { EXPORT_FORMATS } from '@abd/models';
import { studentTrainer } from '@abd/proto';
import { JobEventDecoder, jobSpecsOf } from '@abd/train-io';
import { checkpointRef, planRun, preflightRun, type RunConfig, type RunResult } from '@abd/train';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { rerunCommand, shellQuote } from '../confirm';
import { storeOf } from '../context';
import { consoleReporter } from '../progress';
import { readConfig, resultSummary, runIdOf } from './run';

export const REMOTE_FLAGS = ['remote', 'store', 'run-id', 'token', 'quiet'] as const;

/**
 * `abd run <config> --remote <trainer address>`: the same run through the services (`abd up`):
 * one student-trainer job per method, progress streamed back. A WRN teacher must be in the
 * services' store as models/<id>; a checkpoint directory on disk is uploaded there first. A
 * teacher file (teacher.format) and a dataset by format + path are read by the services at their
 * absolute paths (a volume they share).
 */
export async function remoteRunCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, REMOTE_FLAGS, 'run --remote');
  const path = args.positionals[0];
  if (!path)
    throw new UsageError(
      'usage: abd run <config.yaml> --remote <student-trainer host:port> [--store URL]',
    );
  const remote = args.flags.get('remote');
  const address = typeof remote === 'string' ? remote : localAddress('student-trainer');
  const read = readConfig(resolve(path), args.positionals.slice(1), 'run --remote');
  const baseDir = read.baseDir;
  let cfg = read.cfg;
  const runId = runIdOf(cfg, args);
  const store = storeOf(args);
  // Files on this machine are checked here; a models/<id> teacher is the trainer's to check (its store).
  await preflightRun(cfg, { cwd: baseDir });
  // A user's teacher or student file is read by the trainer at its absolute path (admission checks
  // it with the pipeline's loaders); the trainer publishes a teacher file to the store for teacher-inference.
  cfg = withAbsoluteModelPaths(cfg, baseDir);
  const teacherId = cfg.teacher.format ? '' : await uploadedTeacher(cfg, baseDir, runId, store);
  const client = makeClient(studentTrainer.StudentTrainerClient, address, {
    token: str(args, 'token') ?? authTokenFromEnv(),
  });
  // One job per method, run one after the other: the plan spans them all, so the ETA is the run's.
  const reporter = consoleReporter({ quiet: args.flags.has('quiet'), epochLog: false });
  reporter({ type: 'plan', stages: planRun(cfg, { teacherImages: 0, studentImages: 0 }) });
  const done: string[] = [];
  try {
    for (const [i, spec] of jobSpecsOf(cfg, teacherId).entries()) {
      const jobId = `${runId}-${cfg.methods[i].replace(/\+/g, '-')}`;
      await new Promise((res, rej) =>
        client.startJob({ jobId, spec, resume: true }, (e, r) =>
          e && e.code !== 6 ? rej(e) : res(r),
        ),
      );
      const decoder = new JobEventDecoder();
      const seen = new Promise<void>((res, rej) => {
        const w = client.watchJob({ jobId, afterSeq: 0 });
        w.on('data', (e: studentTrainer.JobEvent) => {
          if (e.event?.$case === 'epoch') reporter.log(`${jobId}: ${e.event.epoch.text}`);
          else if (e.event?.$case === 'state')
            reporter.log(
              `${jobId}: ${studentTrainer.jobStateToJSON(e.event.state.current)} (${e.event.state.reason})`,
            );
          for (const t of decoder.decode(e)) reporter(t);
        });
        w.on('error', rej);
        w.on('end', () => res());
      });
      await seen;
      const job = await new Promise<studentTrainer.Job>((res, rej) =>
        client.getJob({ jobId }, (e, r) => (e ? rej(e) : res(r))),
      );
      if (job.state !== studentTrainer.JobState.JOB_STATE_SUCCEEDED)
        throw new Error(
          `job ${jobId} ended ${studentTrainer.jobStateToJSON(job.state)}: ${job.error}`,
        );
      console.log(
        `${jobId}: test error ${job.metrics.test_error_percent?.toFixed(2)} %; model ${job.outputModels.join(', ')}`,
      );
      done.push(`${jobId}/${cfg.methods[i]}`);
    }
    // As `abd run` ends: where the students are and how to export one (a job is a run of one method).
    // The store is always named: the default one depends on the directory the run was started in.
    if (done.length) {
      // The same table as an in-process run, from the jobs' results in the services' store.
      const results = await Promise.all(
        done.map((d) => store.getJson<RunResult>(`runs/${d.split('/')[0]}/result.json`)),
      );
      const merged: RunResult = { ...results[0], results: results.flatMap((r) => r.results) };
      console.log(`${resultSummary(cfg, merged, baseDir)}\n`);
      const last = done.at(-1)!;
      console.log(
        `Students: ${done.map((d) => `${store.url}/runs/${d}/final`).join(', ')}; export one with: abd export ${last} --format onnx --out ${last.replace(/[/+]/g, '-')} --store ${shellQuote(store.url)} (formats: ${EXPORT_FORMATS.join(', ')})`,
      );
    }
  } catch (e) {
    // UNAVAILABLE (14): the trainer stopped or the connection broke; its jobs resume on rerun.
    if ((e as { code?: number }).code === 14) {
      const err = new Error(
        `the trainer went away; rerun \`${rerunCommand(
          process.argv.slice(2).map((w) => (w === path ? resolve(path) : w)),
          { store: store.url, runId },
        )}\` to resume`,
      );
      err.name = 'TrainerGoneError';
      throw err;
    }
    // Any other status from the trainer: its message, without a stack, and where to look.
    const grpcErr = e as { code?: number; details?: string };
    if (typeof grpcErr.code === 'number' && typeof grpcErr.details === 'string') {
      const hint =
        grpcErr.code === 5 && /model .* not found/.test(grpcErr.details)
          ? ` — the trainer reads its own store; this command put the teacher in ${store.url}: pass the services' store with --store (the one \`abd up --store\` was given)`
          : '';
      const err = new Error(
        `the trainer at ${address} answered ${Status[grpcErr.code] ?? grpcErr.code}: ${grpcErr.details}${hint}`,
      );
      err.name = 'ServiceStatusError';
      throw err;
    }
    throw e;
  } finally {
    reporter.close();
    client.close();
  }
}

/** The config with teacher.path and student.path absolute (dataset paths already are), as the trainer must read them. */
function withAbsoluteModelPaths(cfg: RunConfig, baseDir: string): RunConfig {
  const abs = (p: string | undefined) => (p === undefined ? p : resolve(baseDir, p));
  return {
    ...cfg,
    teacher: { ...cfg.teacher, path: abs(cfg.teacher.path) },
    student: { ...cfg.student, path: abs(cfg.student.path) },
  };
}

/** The id of the run's WRN teacher in the store: models/<id> as given, or a checkpoint directory uploaded now. */
async function uploadedTeacher(
  cfg: RunConfig,
  baseDir: string,
  runId: string,
  store: ReturnType<typeof storeOf>,
): Promise<string> {
  const ck = cfg.teacher.checkpoint;
  if (!ck)
    throw new UsageError(
      'run --remote needs teacher.checkpoint (train the teacher with `abd train` first) or a teacher file (teacher.format)',
    );
  const m = /^models\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(ck);
  const where = checkpointRef(ck, baseDir);
  const onDisk = where.kind === 'disk' ? where.dir : resolve(baseDir, ck);
  if (existsSync(resolve(onDisk, 'model.json'))) {
    const teacherId = `${runId}-teacher`;
    await store.put(
      `models/${teacherId}/weights.bin`,
      readFileSync(resolve(onDisk, 'weights.bin')),
    );
    await store.put(`models/${teacherId}/model.json`, readFileSync(resolve(onDisk, 'model.json')));
    console.log(`abd: uploaded teacher ${ck} to ${store.url}/models/${teacherId}`);
    return teacherId;
  }
  if (m) return m[1];
  throw new UsageError(
    `teacher.checkpoint '${ck}' is neither a checkpoint directory nor models/<id>`,
  );
}
