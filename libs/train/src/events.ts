/** What a stage reports while it runs; the CLI prints it, the trainer service streams it. */
export type StageName = 'teacher' | 'ab-init' | 'classify';

export interface AbEpochMetrics {
  loss: number;
  /** Per tap, share of neurons where ρ(r(S)) == ρ(T), averaged over the epoch's batches (0..1). */
  similarity: number[];
}

export interface ClassifyEpochMetrics {
  loss: number;
  /** What `loss` is (e.g. 'CE', 'KD·T² (T = 3)'): losses of different kinds are not comparable. */
  lossName?: string;
  correct: number;
  total: number;
  /** The full test set, every `testEvery` epochs and after the last (the reported figure). */
  test?: { loss: number; correct: number; total: number };
  /** A fixed test subset evaluated after every epoch, for the curves (see curve-test.ts). */
  curve?: { loss: number; correct: number; total: number };
}

/** A stage the run will go through, in order; `done` when a rerun finds it finished before. */
export interface PlannedStage {
  stage: StageName;
  label: string;
  epochs: number;
  /** 0 = not known yet (a remote run learns it from the first batch of the stage). */
  stepsPerEpoch: number;
  /** Mean images per step (a stage's last batch may be smaller), for an images-per-second rate. */
  imagesPerStep: number;
  done: boolean;
}

/**
 * Work between the stages that has no steps of its own, named so that a viewer is never silent:
 * loading the data, evaluating the teacher on the test set, a stage's test pass.
 */
export type PhaseName = 'load-data' | 'eval-teacher' | 'test';

export type TrainEvent =
  | { type: 'plan'; stages: PlannedStage[] }
  | { type: 'phase'; phase: PhaseName; label: string; text: string }
  /** `fromStep`: the batch a mid-epoch resume starts at (absent = 0). */
  | {
      type: 'stage-start';
      stage: StageName;
      label: string;
      epochs: number;
      stepsPerEpoch: number;
      fromEpoch: number;
      fromStep?: number;
    }
  /** `images`: the batch's size (the last batch of an epoch may be smaller). */
  | {
      type: 'step';
      stage: StageName;
      label: string;
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      lr: number;
      images?: number;
    }
  | {
      type: 'epoch';
      stage: StageName;
      label: string;
      epoch: number;
      seconds: number;
      testSeconds?: number;
      ab?: AbEpochMetrics;
      classify?: ClassifyEpochMetrics;
    }
  | {
      type: 'checkpoint';
      stage: StageName;
      label: string;
      key: string;
      epoch: number;
      partial: boolean;
    }
  | { type: 'stage-end'; stage: StageName; label: string; cancelled: boolean };

export type EventSink = (e: TrainEvent) => void;

/** The epoch block in the log format of the paper's code. */
export function formatEpochLog(e: Extract<TrainEvent, { type: 'epoch' }>): string {
  const lines: string[] = [];
  if (e.ab) {
    lines.push(`Distillation epoch: ${e.epoch + 1}`);
    lines.push(` Train Time Taken: ${e.seconds.toFixed(2)} sec`);
    e.ab.similarity.forEach((s, i) =>
      lines.push(` layer${i + 1}_activation similarity ${(100 * s).toFixed(1)}%`),
    );
  } else if (e.classify) {
    const c = e.classify;
    lines.push(`Classification training Epoch: ${e.epoch + 1}`);
    lines.push(` Train Time Taken: ${e.seconds.toFixed(2)} sec`);
    lines.push(
      ` Loss: ${c.loss.toFixed(3)} | Acc: ${pct(c.correct, c.total)}% (${c.correct}/${c.total})`,
    );
    if (c.test) {
      lines.push(` Test Time Taken: ${(e.testSeconds ?? 0).toFixed(2)} sec`);
      lines.push(
        ` Loss: ${c.test.loss.toFixed(3)} | Acc: ${pct(c.test.correct, c.test.total)}% (${c.test.correct}/${c.test.total})`,
      );
    }
  }
  return lines.join('\n');
}

function pct(a: number, b: number): string {
  return b === 0 ? '0.000' : ((100 * a) / b).toFixed(3);
}
