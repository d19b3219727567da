import {
  EpochRequest,
  LocalBatchSource,
  LocalSourceOptions,
  SizedBatchSource,
  TrainBatch,
} from './batch-source';
import { TeacherProcess, TeacherProcessOptions } from './teacher-process';

/**
 * The in-process source with the teacher overlapped: this process makes the student's batches
 * (a LocalBatchSource without teacher) while the teacher process runs the teacher on the same
 * batches, up to `window` ahead; they meet by batch index. Same batches and the same teacher
 * outputs as a LocalBatchSource with the teacher, bit for bit. `close()` ends the process.
 */
export class OverlappedBatchSource extends SizedBatchSource {
  private readonly local: LocalBatchSource;

  private constructor(
    o: LocalSourceOptions,
    private readonly teacher: TeacherProcess,
  ) {
    super(o.indices.length, o.batchSize, o.stats, {
      height: o.set.height,
      width: o.set.width,
      channels: o.set.channels,
    });
    this.local = new LocalBatchSource({ ...o, teacher: undefined, keepSignsBelowEpoch: 0 });
    this.serial = o;
  }

  /** The run's source options: feature maps (FitNets, FSP, AT) are computed here, in series. */
  private readonly serial: LocalSourceOptions;
  private withTeacher?: LocalBatchSource;

  static async start(
    o: LocalSourceOptions,
    opts: TeacherProcessOptions = {},
  ): Promise<OverlappedBatchSource> {
    return new OverlappedBatchSource(o, await TeacherProcess.start(o, opts));
  }

  get window(): number {
    return this.teacher.window;
  }

  async *epoch(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch> {
    const startBatch = req.startBatch ?? 0;
    const plain = { signs: false, logits: false, startBatch };
    if (!req.signs && !req.logits) {
      yield* this.local.epoch(epoch, plain);
      return;
    }
    // The teacher process sends sign maps and logits; a stage reading feature maps gets its
    // batches from a serial source with the teacher in this process (the same batches).
    if ((req.features?.length ?? 0) > 0) {
      this.withTeacher ??= new LocalBatchSource(this.serial);
      yield* this.withTeacher.epoch(epoch, req);
      return;
    }
    const outs = this.teacher.epoch(epoch, { signs: req.signs, logits: req.logits, startBatch });
    try {
      for await (const b of this.local.epoch(epoch, plain)) {
        const next = await outs.next();
        if (next.done)
          throw new Error(`the teacher process ended epoch ${epoch} before batch ${b.index}`);
        const t = next.value;
        if (t.index !== b.index)
          throw new Error(`the teacher process sent batch ${t.index} for batch ${b.index}`);
        if (req.logits) b.teacherLogits = t.logits;
        if (req.signs) {
          b.signShapes = t.signShapes;
          b.signBits = t.signs;
        }
        yield b;
      }
    } finally {
      await outs.return(undefined);
    }
  }

  get pid(): number {
    return this.teacher.pid;
  }

  /** Ends the teacher process (idempotent). */
  close(): Promise<void> {
    return this.teacher.close();
  }
}
