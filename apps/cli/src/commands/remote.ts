import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { authTokenFromEnv, localAddress, makeClient } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { jobSpecsOf } from '@abd/student-trainer';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { rerunCommand } from '../confirm';
import { storeOf } from '../context';
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
  if (!path) throw new UsageError('usage: abd run <config.yaml> --remote <student-trainer host:port> [--store URL]');
  const remote = args.flags.get('remote');
  const address = typeof remote === 'string' ? remote : localAddress('student-trainer');
  const { cfg, baseDir } = readConfig(resolve(path), args.positionals.slice(1), 'run --remote');
  const runId = runIdOf(cfg, args);
  const store = storeOf(args);
  // The services serve our own checkpoints and the built-in datasets (the trainer's admission says the same).
  if (cfg.teacher.format) throw new UsageError(`run --remote: a ${cfg.teacher.format} teacher file (teacher.format) is not served by teacher-inference; run this config in-process (abd run without --remote)`);
  if (cfg.dataset.format) throw new UsageError(`run --remote: a ${cfg.dataset.format} dataset (dataset.format) is not read by the boundary-extractor; run this config in-process (abd run without --remote)`);
  const ck = cfg.teacher.checkpoint;
  if (!ck) throw new UsageError('run --remote needs teacher.checkpoint (train the teacher with `abd train` first)');
  let teacherId: string;
  const m = /^models\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(ck);
  const onDisk = resolve(baseDir, ck);
  if (existsSync(resolve(onDisk, 'model.json'))) {
    teacherId = `${runId}-teacher`;
    await store.put(`models/${teacherId}/weights.bin`, readFileSync(resolve(onDisk, 'weights.bin')));
    await store.put(`models/${teacherId}/model.json`, readFileSync(resolve(onDisk, 'model.json')));
    console.log(`abd: uploaded teacher ${ck} to ${store.url}/models/${teacherId}`);
  } else if (m) teacherId = m[1];
  else throw new UsageError(`teacher.checkpoint '${ck}' is neither a checkpoint directory nor models/<id>`);
  const client = makeClient(studentTrainer.StudentTrainerClient, address, { token: str(args, 'token') ?? authTokenFromEnv() });
  const done: string[] = [];
  try {
    for (const [i, spec] of jobSpecsOf(cfg, teacherId).entries()) {
      const jobId = `${runId}-${cfg.methods[i].replace(/\+/g, '-')}`;
      await new Promise((res, rej) => client.startJob({ jobId, spec, resume: true }, (e, r) => (e && e.code !== 6 ? rej(e) : res(r))));
      const seen = new Promise<void>((res, rej) => {
        const w = client.watchJob({ jobId, afterSeq: 0 });
        w.on('data', (e: studentTrainer.JobEvent) => {
          if (e.event?.$case === 'epoch') console.log(`${jobId}: ${e.event.epoch.text}`);
          else if (e.event?.$case === 'state') console.log(`${jobId}: ${studentTrainer.jobStateToJSON(e.event.state.current)} (${e.event.state.reason})`);
        });
        w.on('error', rej);
        w.on('end', () => res());
      });
      await seen;
      const job = await new Promise<studentTrainer.Job>((res, rej) => client.getJob({ jobId }, (e, r) => (e ? rej(e) : res(r))));
      if (job.state !== studentTrainer.JobState.JOB_STATE_SUCCEEDED) throw new Error(`job ${jobId} ended ${studentTrainer.jobStateToJSON(job.state)}: ${job.error}`);
      console.log(`${jobId}: test error ${job.metrics.test_error_percent?.toFixed(2)} %; model ${job.outputModels.join(', ')}`);
      done.push(`${jobId}/${cfg.methods[i]}`);
    }
    // As `abd run` ends: where the students are and how to export one (a job is a run of one method).
    const flag = str(args, 'store') ? ` --store ${str(args, 'store')}` : '';
    if (done.length) console.log(`Students: ${done.map((d) => `${store.url}/runs/${d}/final`).join(', ')}; export one with: abd export ${done.at(-1)} --format onnx|tfjs-layers|tfjs-graph --out ${done.at(-1)!.replace(/[/+]/g, '-')}${flag}`);
  } catch (e) {
    // UNAVAILABLE (14): the trainer stopped or the connection broke; its jobs resume on rerun.
    if ((e as { code?: number }).code === 14) {
      const err = new Error(`the trainer went away; rerun \`${rerunCommand(process.argv.slice(2), { store: store.url, runId })}\` to resume`);
      err.name = 'TrainerGoneError';
      throw err;
    }
    throw e;
  } finally {
    client.close();
  }
}
