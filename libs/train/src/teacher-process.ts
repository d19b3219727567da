import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { saveWrn, Wrn } from '@abd/models';
import type { LocalSourceOptions } from './batch-source';
import type { FromTeacher, ToTeacher } from './teacher-process-protocol';

type BatchMsg = Extract<FromTeacher, { t: 'batch' }>;

export interface TeacherProcessOptions {
  /** Batches the teacher may run ahead of the student (default 2). */
  window?: number;
  /** OpenMP threads of the teacher's native kernels (ABD_NATIVE_THREADS; default: as this process). */
  threads?: number;
}

const WORKER = join(
  __dirname,
  `teacher-process-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`,
);

interface Stream {
  queue: BatchMsg[];
  ended: boolean;
  error?: Error;
  wake?: () => void;
}

/**
 * The run's teacher in its own process, fed the run's dataset once: the native addon keeps
 * process-wide primitive caches and one oneDNN stream, so a second backend instance needs a
 * second process, not a worker thread. It makes each epoch's batches like the LocalBatchSource
 * it holds and streams their teacher outputs in order, at most `window` batches ahead.
 */
export class TeacherProcess {
  readonly window: number;
  private readonly child: ChildProcess;
  private readonly streams = new Map<number, Stream>();
  private nextId = 0;
  private dead?: Error;
  private readonly exited: Promise<void>;
  readonly ready: Promise<{ threads: number }>;

  private constructor(o: TeacherProcessOptions) {
    this.window = Math.max(1, Math.floor(o.window ?? 2));
    const env: Record<string, string | undefined> = { ...process.env };
    if (o.threads) env.ABD_NATIVE_THREADS = String(o.threads);
    this.child = fork(WORKER, [], {
      execArgv: WORKER.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: FromTeacher) => {
        if (m.t === 'ready') resolve({ threads: m.threads });
        else if (m.t === 'error' && m.id === undefined) reject(new Error(m.message));
        else this.onMessage(m);
      });
      this.child.once('exit', (code, signal) => {
        this.fail(new Error(`the teacher process exited (${signal ?? `code ${code}`})`));
        reject(this.dead);
      });
      this.child.once('error', (e) => (this.fail(e), reject(e)));
    });
    // A failure before anyone asks surfaces at the first epoch, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Forks the process and hands it the data and the teacher's weights; resolves once it is up. */
  static async start(
    o: LocalSourceOptions,
    opts: TeacherProcessOptions = {},
  ): Promise<TeacherProcess> {
    if (!(o.teacher instanceof Wrn))
      throw new Error(
        'the teacher process runs WRN teachers only (a foreign teacher runs in-process)',
      );
    const ckpt = await saveWrn(o.teacher, {});
    const p = new TeacherProcess(opts);
    p.send({
      t: 'init',
      set: o.set,
      indices: o.indices,
      stats: o.stats,
      batchSize: o.batchSize,
      seed: o.seed,
      augment: o.augment,
      teacherBnMode: o.teacherBnMode,
      keepSignsBelowEpoch: o.keepSignsBelowEpoch,
      checkpoint: { json: JSON.stringify(ckpt.json), weights: ckpt.weights },
    });
    try {
      await p.ready;
    } catch (e) {
      await p.close();
      throw e;
    }
    return p;
  }

  /** The teacher outputs of an epoch's batches from `startBatch` on, in order. */
  async *epoch(
    epoch: number,
    req: { signs: boolean; logits: boolean; startBatch: number },
  ): AsyncGenerator<BatchMsg> {
    const id = this.nextId++;
    const s: Stream = { queue: [], ended: false };
    this.streams.set(id, s);
    try {
      if (this.dead) throw this.dead;
      this.send({ t: 'epoch', id, epoch, ...req, window: this.window });
      for (;;) {
        while (s.queue.length === 0 && !s.ended && !s.error)
          await new Promise<void>((r) => (s.wake = r));
        if (s.error) throw s.error;
        const b = s.queue.shift();
        if (!b) return;
        this.send({ t: 'credit', id });
        yield b;
        // One turn of the event loop, so the next batch's bytes are read off the pipe while the
        // student steps on this one instead of when it next waits.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      if (!s.ended && !s.error) this.send({ t: 'cancel', id });
      this.streams.delete(id);
    }
  }

  /** The process id (tests check it has exited after close). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Stops the process and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.child.connected) this.child.disconnect();
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(kill);
    }
  }

  private send(m: ToTeacher): void {
    if (this.child.connected) this.child.send(m);
  }

  private onMessage(m: FromTeacher): void {
    if (m.t === 'ready' || m.id === undefined) return;
    const s = this.streams.get(m.id);
    if (!s) return; // a cancelled stream's batches still in flight
    if (m.t === 'batch') s.queue.push(m);
    else if (m.t === 'end') s.ended = true;
    else s.error = Object.assign(new Error(m.message), { stack: m.stack });
    s.wake?.();
    s.wake = undefined;
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const s of this.streams.values()) {
      s.error ??= e;
      s.wake?.();
      s.wake = undefined;
    }
  }
}
