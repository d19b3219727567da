import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { status as Status } from '@grpc/grpc-js';
import { authTokenFromEnv, localAddress, makeClient } from '@abd/grpc-kit';
import { EXPORT_FORMATS } from '@abd/models';
import { studentTrainer } from '@abd/proto';
import { JobEventDecoder, jobSpecsOf } from '@abd/train-io';
import { checkpointRef, planRun, preflightRun } from '@abd/train';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { rerunCommand, shellQuote } from '../confirm';
import { storeOf } from '../context';
import { consoleReporter } from '../progress';
import { readConfig, runIdOf } from './run';

export const REMOTE_FLAGS = ['remote', 'store', 'run-id', 'token', 'quiet'] as const;

/**
 * `abd run <config> --remote <trainer address>`: the same run through the services (`abd up`):
 * one student-trainer job per method, progress streamed back. The teacher must be in the
 * services' store as models/<id>; a checkpoint directory on disk is uploaded there first.
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
  const { cfg, baseDir } = readConfig(resolve(path), args.positionals.slice(1), 'run --remote');
  const runId = runIdOf(cfg, args);
  const store = storeOf(args);
  // The services serve our own checkpoints and the built-in datasets (the trainer's admission says the same).
  if (cfg.teacher.format)
    throw new UsageError(
      `run --remote: a ${cfg.teacher.format} teacher file (teacher.format) is not served by teacher-inference; run this config in-process (abd run without --remote)`,
    );
  if (cfg.dataset.format)
    throw new UsageError(
      `run --remote: a ${cfg.dataset.format} dataset (dataset.format) is not read by the boundary-extractor; run this config in-process (abd run without --remote)`,
    );
  const ck = cfg.teacher.checkpoint;
  if (!ck)
    throw new UsageError(
      'run --remote needs teacher.checkpoint (train the teacher with `abd train` first)',
    );
  let teacherId: string;
  // Files on this machine are checked here; a models/<id> teacher is the trainer's to check (its store).
  await preflightRun(cfg, { cwd: baseDir });
  const m = /^models\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(ck);
  const where = checkpointRef(ck, baseDir);
  const onDisk = where.kind === 'disk' ? where.dir : resolve(baseDir, ck);
  if (existsSync(resolve(onDisk, 'model.json'))) {
    teacherId = `${runId}-teacher`;
    await store.put(
      `models/${teacherId}/weights.bin`,
      readFileSync(resolve(onDisk, 'weights.bin')),
    );
    await store.put(`models/${teacherId}/model.json`, readFileSync(resolve(onDisk, 'model.json')));
    console.log(`abd: uploaded teacher ${ck} to ${store.url}/models/${teacherId}`);
  } else if (m) teacherId = m[1];
  else
    throw new UsageError(
      `teacher.checkpoint '${ck}' is neither a checkpoint directory nor models/<id>`,
    );
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
