import { studentTrainer } from '@abd/proto';
import type { PhaseName, StageName, TrainEvent } from '@abd/train';

const STAGES: readonly string[] = ['teacher', 'ab-init', 'classify'] satisfies StageName[];
const PHASES: readonly string[] = ['load-data', 'eval-teacher', 'test'] satisfies PhaseName[];
const S = studentTrainer.JobState;

/**
 * A watcher's side of the job manager's event mapping: WatchJob's events back into the
 * TrainEvents a run reports in process, so `abd run --remote` shows the same progress (stage,
 * epoch, rate, ETA) as a local run. Progress comes at most twice a second, so steps in between
 * are not seen; the rate and ETA are measured over the steps that are.
 */
export class JobEventDecoder {
  private cur?: { stage: StageName; label: string; epochs: number; stepsPerEpoch: number };

  decode(e: studentTrainer.JobEvent): TrainEvent[] {
    const ev = e.event;
    if (!ev) return [];
    if (ev.$case === 'phase') {
      return PHASES.includes(ev.phase.name)
        ? [
            {
              type: 'phase',
              phase: ev.phase.name as PhaseName,
              label: ev.phase.label,
              text: ev.phase.text,
            },
          ]
        : [];
    }
    if (ev.$case === 'progress') {
      const p = ev.progress;
      if (!STAGES.includes(p.stage) || p.unit !== 'batches' || p.epoch === 0) return [];
      const stage = p.stage as StageName;
      const out: TrainEvent[] = [];
      if (!this.cur || this.cur.stage !== stage || this.cur.label !== p.label) {
        this.cur = { stage, label: p.label, epochs: p.totalEpochs, stepsPerEpoch: p.total };
        // The stage-start progress (done = the batch it starts at) or, joining late, any progress.
        out.push({
          type: 'stage-start',
          stage,
          label: p.label,
          epochs: p.totalEpochs,
          stepsPerEpoch: p.total,
          fromEpoch: p.epoch - 1,
          fromStep: p.done,
        });
        return out;
      }
      if (p.done > 0)
        out.push({
          type: 'step',
          stage,
          label: p.label,
          epoch: p.epoch - 1,
          step: p.done - 1,
          stepsPerEpoch: p.total,
          loss: NaN,
          lr: NaN,
        });
      return out;
    }
    if (ev.$case === 'epoch' && this.cur && ev.epoch.stage === this.cur.stage) {
      return [
        {
          type: 'epoch',
          stage: this.cur.stage,
          label: this.cur.label,
          epoch: ev.epoch.epoch - 1,
          seconds: ev.epoch.seconds,
        },
      ];
    }
    if (
      ev.$case === 'state' &&
      this.cur &&
      [S.JOB_STATE_SUCCEEDED, S.JOB_STATE_FAILED, S.JOB_STATE_CANCELLED].includes(ev.state.current)
    ) {
      const { stage, label } = this.cur;
      this.cur = undefined;
      return [
        { type: 'stage-end', stage, label, cancelled: ev.state.current !== S.JOB_STATE_SUCCEEDED },
      ];
    }
    return [];
  }
}
