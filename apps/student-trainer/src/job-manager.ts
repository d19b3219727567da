import { randomBytes } from 'node:crypto';
import type { ArtifactStore } from '@abd/artifacts';
import { AlreadyExistsError, NotFoundError, validateName, type Logger } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer } from '@abd/proto';
import { admitJob } from './admission';
import { runConfigOf } from './job-spec';
import { inlineRunner, type JobRunner } from './job-runner';
import { JobEventTranslator } from './job-event-translator';
import { JobStore } from './job-store';
import { stagePlanOf } from './stage-job-spec';

const S = studentTrainer.JobState;
const FINAL = new Set([S.JOB_STATE_SUCCEEDED, S.JOB_STATE_FAILED, S.JOB_STATE_CANCELLED]);

/** The job's final state event was sent (a job read from disk has none: its state says). */
const ended = (rec: Record_): boolean => {
  const last = rec.events.at(-1)?.event;
  return last ? last.$case === 'state' && FINAL.has(last.state.current) : FINAL.has(rec.job.state);
};

interface Record_ {
  job: studentTrainer.Job;
  events: studentTrainer.JobEvent[];
  listeners: Set<(e: studentTrainer.JobEvent) => void>;
  ctl?: AbortController;
}

export interface JobManagerOptions {
  store: ArtifactStore;
  /** Batches come from this boundary-extractor; absent = in-process LocalBatchSource (inline runner only). */
  extractor?: boundaryExtractor.BoundaryExtractorClient;
  useCache?: boolean;
  /** Where a job's work runs; default inline on this event loop. A served trainer uses childRunner. */
  runner?: JobRunner;
  log?: Logger;
}

/**
 * Jobs as a state machine (QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED), one at a time;
 * the work of each (job-work.ts) runs through a JobRunner, in production a worker process per
 * job. The job itself is kept at jobs/<id>/job.json so a restarted trainer resumes what was
 * unfinished.
 */
export class JobManager {
  private readonly jobs = new Map<string, Record_>();
  private chain: Promise<void> = Promise.resolve();
  private readonly saved: JobStore;
  private readonly runner: JobRunner;
  private readonly events = new JobEventTranslator();

  constructor(private readonly o: JobManagerOptions) {
    this.saved = new JobStore(o.store);
    this.runner = o.runner ?? inlineRunner(o);
  }

  /** Re-queues the jobs a previous trainer left QUEUED or RUNNING (never a final one). */
  async recover(): Promise<string[]> {
    const resumed: string[] = [];
    for (const job of await this.saved.all()) {
      const rec: Record_ = { job, events: [], listeners: new Set() };
      this.jobs.set(job.id, rec);
      if (!FINAL.has(job.state)) {
        resumed.push(job.id);
        await this.enqueue(rec, 'resumed after a trainer restart');
      } else if (job.error.startsWith('job.json holds')) await this.saved.save(job);
    }
    return resumed;
  }

  async start(req: studentTrainer.StartJobRequest): Promise<studentTrainer.Job> {
    const id = req.jobId
      ? validateName('job_id', req.jobId)
      : `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const existing = this.jobs.get(id) ?? (await this.load(id));
    if (existing) {
      if (!req.resume)
        throw new AlreadyExistsError(`job '${id}' exists (set resume to continue it)`);
      if (existing.job.state === S.JOB_STATE_QUEUED || existing.job.state === S.JOB_STATE_RUNNING)
        return existing.job;
      await this.enqueue(existing, 'resumed on request');
      return existing.job;
    }
    if (!req.spec) throw new NotFoundError(`job '${id}' does not exist`);
    // Validates the whole spec before anything is written, so an accepted job can run.
    if (req.spec.kind?.$case === 'run')
      await admitJob(req.spec, await runConfigOf(req.spec, this.o.store, id), id);
    else {
      const plan = await stagePlanOf(req.spec, this.o.store, id);
      await admitJob(req.spec, plan.cfg, id);
      if (await this.o.store.exists(`models/${plan.output}/model.json`)) {
        throw new AlreadyExistsError(
          `spec.${plan.kind}.output_model: model '${plan.output}' is already in the store`,
        );
      }
    }
    const now = Date.now();
    const rec: Record_ = {
      job: {
        id,
        spec: req.spec,
        state: S.JOB_STATE_UNSPECIFIED,
        stage: '',
        epoch: 0,
        totalEpochs: 0,
        metrics: {},
        error: '',
        outputModels: [],
        createdMs: now,
        updatedMs: now,
      },
      events: [],
      listeners: new Set(),
    };
    this.jobs.set(id, rec);
    await this.enqueue(rec, 'submitted');
    return rec.job;
  }

  get(id: string): studentTrainer.Job {
    const rec = this.jobs.get(validateName('job_id', id));
    if (!rec) throw new NotFoundError(`job '${id}' not found`);
    return rec.job;
  }

  list(state: studentTrainer.JobState): studentTrainer.Job[] {
    return [...this.jobs.values()]
      .map((r) => r.job)
      .filter((j) => state === S.JOB_STATE_UNSPECIFIED || j.state === state)
      .sort((a, b) => a.createdMs - b.createdMs || a.id.localeCompare(b.id));
  }

  /** A queued job is CANCELLED (and saved so) before the answer; a running one stops at its next step. */
  async cancel(id: string): Promise<studentTrainer.Job> {
    const job = this.get(id);
    const rec = this.jobs.get(id)!;
    rec.ctl?.abort();
    if (job.state === S.JOB_STATE_QUEUED)
      await this.setState(rec, S.JOB_STATE_CANCELLED, 'cancelled before it started');
    return rec.job;
  }

  /** Past events after `afterSeq`, then live ones until the job is final. */
  async *watch(
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<studentTrainer.JobEvent> {
    const rec = this.jobs.get(validateName('job_id', id));
    if (!rec) throw new NotFoundError(`job '${id}' not found`);
    const queue: studentTrainer.JobEvent[] = rec.events.filter((e) => e.seq > afterSeq);
    let wake: (() => void) | undefined;
    const listener = (e: studentTrainer.JobEvent): void => {
      queue.push(e);
      wake?.();
    };
    rec.listeners.add(listener);
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended(rec) || signal.aborted) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      rec.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves when every queued job has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  private async load(id: string): Promise<Record_ | undefined> {
    const job = await this.saved.load(id);
    if (!job) return undefined;
    const rec: Record_ = { job, events: [], listeners: new Set() };
    this.jobs.set(id, rec);
    return rec;
  }

  private emit(rec: Record_, event: studentTrainer.JobEvent['event']): void {
    const e: studentTrainer.JobEvent = {
      jobId: rec.job.id,
      seq: (rec.events.at(-1)?.seq ?? 0) + 1,
      timeMs: Date.now(),
      event,
    };
    rec.events.push(e);
    for (const l of rec.listeners) l(e);
  }

  /** Changes the state and resolves once it is saved (after every earlier save of the job). */
  private async setState(
    rec: Record_,
    state: studentTrainer.JobState,
    reason: string,
  ): Promise<void> {
    const previous = rec.job.state;
    rec.job.state = state;
    rec.job.updatedMs = Date.now();
    // Saved before it is announced: a watcher that saw a job end finds that end in job.json.
    await this.persist(rec);
    this.emit(rec, { $case: 'state', state: { previous, current: state, reason } });
  }

  private persist(rec: Record_): Promise<void> {
    return this.saved
      .save(rec.job)
      .catch((e: Error) =>
        this.o.log?.error('cannot save job', { id: rec.job.id, error: e.message }),
      );
  }

  private async enqueue(rec: Record_, reason: string): Promise<void> {
    rec.ctl = new AbortController();
    await this.setState(rec, S.JOB_STATE_QUEUED, reason);
    this.chain = this.chain.then(() => this.execute(rec));
  }

  private async execute(rec: Record_): Promise<void> {
    // Cancelled (or otherwise final) while queued: stays as it is.
    if (rec.job.state !== S.JOB_STATE_QUEUED) return;
    const ctl = rec.ctl!;
    await this.setState(rec, S.JOB_STATE_RUNNING, 'started');
    try {
      let cancelled = ctl.signal.aborted;
      if (!cancelled) {
        const run = this.runner(rec.job, {
          onStart: (n) => (rec.job.totalEpochs = n),
          onEvent: (e) =>
            this.events.translate(
              rec.job,
              e,
              (ev) => this.emit(rec, ev),
              () => void this.persist(rec),
            ),
        });
        const onAbort = (): void => run.cancel();
        ctl.signal.addEventListener('abort', onAbort);
        const r = await run.result.finally(() => ctl.signal.removeEventListener('abort', onAbort));
        cancelled = r.cancelled;
        for (const id of r.outputModels)
          if (!rec.job.outputModels.includes(id)) rec.job.outputModels.push(id);
        Object.assign(rec.job.metrics, r.metrics);
      }
      if (cancelled)
        await this.setState(rec, S.JOB_STATE_CANCELLED, 'cancelled; the last checkpoint is kept');
      else await this.setState(rec, S.JOB_STATE_SUCCEEDED, 'finished');
    } catch (e) {
      rec.job.error = (e as Error).message;
      this.o.log?.error('job failed', { id: rec.job.id, error: (e as Error).stack });
      await this.setState(rec, S.JOB_STATE_FAILED, rec.job.error);
    }
  }
}
