import type { studentTrainer } from '@abd/proto';
import type { TrainEvent } from '@abd/train';

type JobEventBody = studentTrainer.JobEvent['event'];

/**
 * The training library's events as a job's events: stage starts as a log line and a progress,
 * steps as progress at most every 0.5 s (and at each epoch's end), epochs as EpochLines with
 * the job's metrics. Jobs run one at a time, so one translator serves a trainer.
 */
export class JobEventTranslator {
  private lastProgress = 0;
  /** The running stage's epochs, for the epoch events' total. */
  private stageEpochs = 0;

  /** Updates `job` (stage, epoch, metrics) from `e`, emits the job events it makes and, after an epoch, has the job saved. */
  translate(
    job: studentTrainer.Job,
    e: TrainEvent,
    emit: (event: JobEventBody) => void,
    save: () => void,
  ): void {
    if (e.type === 'stage-start') {
      job.stage = e.stage;
      this.stageEpochs = e.epochs;
      emit({
        $case: 'log',
        log: `${e.label}: ${e.stage} from epoch ${e.fromEpoch + 1} of ${e.epochs}`,
      });
      // The stage's position before its first step, so a watcher knows the stage at once.
      const progress = {
        stage: e.stage,
        done: e.fromStep ?? 0,
        total: e.stepsPerEpoch,
        unit: 'batches',
        rate: 0,
        message: `${e.label}: ${e.stage}`,
        epoch: Math.min(e.fromEpoch + 1, e.epochs),
        totalEpochs: e.epochs,
        label: e.label,
      };
      emit({ $case: 'progress', progress });
      this.lastProgress = Date.now();
    } else if (e.type === 'phase') {
      emit({ $case: 'phase', phase: { name: e.phase, label: e.label, text: e.text } });
    } else if (e.type === 'step') {
      const now = Date.now();
      if (now - this.lastProgress < 500 && e.step + 1 < e.stepsPerEpoch) return;
      this.lastProgress = now;
      const progress = {
        stage: e.stage,
        done: e.step + 1,
        total: e.stepsPerEpoch,
        unit: 'batches',
        rate: 0,
        message: `epoch ${e.epoch + 1} loss ${e.loss.toFixed(4)}`,
        epoch: e.epoch + 1,
        totalEpochs: this.stageEpochs,
        label: e.label,
      };
      emit({ $case: 'progress', progress });
    } else if (e.type === 'epoch') {
      job.epoch = e.epoch + 1;
      job.updatedMs = Date.now();
      const metrics: Record<string, number> = {};
      if (e.ab) metrics.train_loss = e.ab.loss;
      if (e.classify) {
        metrics.train_loss = e.classify.loss;
        metrics.train_error_percent =
          (100 * (e.classify.total - e.classify.correct)) / Math.max(1, e.classify.total);
        if (e.classify.test)
          metrics.test_error_percent =
            (100 * (e.classify.test.total - e.classify.test.correct)) /
            Math.max(1, e.classify.test.total);
      }
      Object.assign(job.metrics, metrics);
      const similarity = (e.ab?.similarity ?? []).map((s, i) => ({
        tap: `tap${i + 1}`,
        percent: 100 * s,
      }));
      const text = `${e.stage} epoch ${e.epoch + 1} loss ${(metrics.train_loss ?? 0).toFixed(4)}${similarity.map((s, i) => ` layer${i + 1}_activation similarity ${s.percent.toFixed(1)}%`).join('')}`;
      emit({
        $case: 'epoch',
        epoch: {
          stage: e.stage,
          epoch: e.epoch + 1,
          totalEpochs: this.stageEpochs,
          lr: 0,
          metrics,
          similarity,
          seconds: e.seconds,
          text,
        },
      });
      save();
    }
  }
}
