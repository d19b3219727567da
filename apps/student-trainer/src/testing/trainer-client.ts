// Test helpers for the student-trainer: promise wrappers of its RPCs and weight comparison.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { ServiceError } from '@grpc/grpc-js';
import type { ArtifactStore } from '@abd/artifacts';
import type { studentTrainer } from '@abd/proto';
import { getStudentCheckpoint } from '@abd/train';

type Unary = 'startJob' | 'getJob' | 'cancelJob' | 'listJobs';

export function unaryCall<T>(
  client: studentTrainer.StudentTrainerClient,
  method: Unary,
  req: unknown,
): Promise<T> {
  return new Promise((res, rej) =>
    (
      client[method] as unknown as (r: unknown, cb: (e: ServiceError | null, v: T) => void) => void
    ).call(client, req, (e, v) => (e ? rej(e) : res(v))),
  );
}

/** Every job in `state` (UNSPECIFIED: all), in one ListJobs page (limit 0: the server's default). */
export async function listAllJobs(
  client: studentTrainer.StudentTrainerClient,
  state: studentTrainer.JobState,
): Promise<studentTrainer.Job[]> {
  const list = await unaryCall<studentTrainer.ListJobsResponse>(client, 'listJobs', {
    state,
    limit: 0,
    pageToken: '',
  });
  return list.jobs;
}

/** All events of a job from the start until it is final. */
export function watchJob(
  client: studentTrainer.StudentTrainerClient,
  jobId: string,
  onEvent?: (e: studentTrainer.JobEvent) => void,
): Promise<studentTrainer.JobEvent[]> {
  return new Promise((res, rej) => {
    const out: studentTrainer.JobEvent[] = [];
    const s = client.watchJob({ jobId, afterSeq: 0 });
    s.on('data', (e: studentTrainer.JobEvent) => {
      out.push(e);
      onEvent?.(e);
    });
    s.on('error', rej);
    s.on('end', () => res(out));
  });
}

async function weights(store: ArtifactStore, key: string): Promise<Float32Array> {
  const ck = await getStudentCheckpoint(store, key);
  for (const t of ck.extra.values()) t.dispose();
  const flat = tf.tidy(
    () =>
      tf
        .concat(
          [...ck.model.params.values(), ...ck.model.stats.values()].map((v) => tf.reshape(v, [-1])),
        )
        .dataSync() as Float32Array,
  );
  ck.model.dispose();
  return flat;
}

/** The checkpoints at store keys a and b hold bit-identical parameters and BN statistics. */
export async function assertSameWeights(store: ArtifactStore, a: string, b: string): Promise<void> {
  const [wa, wb] = await Promise.all([weights(store, a), weights(store, b)]);
  assert.equal(wa.length, wb.length);
  let max = 0;
  for (let i = 0; i < wa.length; i++) max = Math.max(max, Math.abs(wa[i] - wb[i]));
  assert.equal(max, 0, `${a} and ${b} differ by up to ${max}`);
}
