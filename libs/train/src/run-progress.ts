import { PhaseName, PlannedStage, StageName, TrainEvent } from './events';

/** Where a run stands, for one progress line. Epochs are 1-based; `step` counts steps done in it. */
export interface ProgressSnapshot {
  /** 1-based position of the current stage in the plan and the plan's length; 0 before any stage. */
  stage: number;
  stages: number;
  /** e.g. `ab+kd classify`, `ab+kd init`, `teacher wrn-16-2`. */
  title: string;
  epochsDone: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** True right after an epoch ended, until the next step. */
  atEpochEnd: boolean;
  /** Training images per second over the current (or just ended) epoch; undefined before a step. */
  imagesPerSecond?: number;
  /** Seconds to the end of the plan; undefined until a step was timed. */
  etaSeconds?: number;
  /** Work without steps going on now (loading data, evaluating the teacher, a test pass). */
  phase?: { phase: PhaseName; text: string };
}

interface Tracked extends PlannedStage {
  epochsDone: number;
}

/**
 * Follows a run's events and estimates how far it is and how long it still takes. The ETA is
 * the remaining steps of every stage still to run, each at the measured seconds per step of its
 * kind of stage (teacher, init, classify) — wall time, so test passes and checkpoints are
 * included — or, for a kind not measured yet, at the mean over all steps timed so far. A
 * stage's first step (when it is seen alone) is warm-up and starts the clock. All classify
 * stages share one rate, so a KD stage (a teacher pass per batch) after a CE one makes the
 * early ETA short.
 * Stages that a plan does not list (`abd train`, a repro sweep's shared teacher) are added when
 * they start. `now` is injectable so the arithmetic can be tested by hand.
 */
export class RunProgress {
  private plan: Tracked[] = [];
  private cur = -1;
  private step = 0;
  private atEpochEnd = false;
  private warmup = false;
  private epochT0 = 0;
  private epochBase = 0;
  private lastT = 0;
  private lastStepT = 0;
  private phase?: { phase: PhaseName; text: string };
  private readonly measured = new Map<StageName, { seconds: number; steps: number }>();
  private lastImages = 0;

  constructor(private readonly now: () => number = () => performance.now() / 1000) {}

  onEvent(e: TrainEvent): void {
    const t = this.now();
    switch (e.type) {
      case 'plan':
        this.plan = e.stages.map((s) => ({ ...s, epochsDone: s.done ? s.epochs : 0 }));
        this.cur = -1;
        break;
      case 'phase':
        this.phase = { phase: e.phase, text: e.text };
        break;
      case 'stage-start': {
        let j = this.plan.findIndex(
          (s, i) => i > this.cur && !s.done && s.stage === e.stage && s.label === e.label,
        );
        if (j < 0) {
          this.plan.splice(this.cur + 1, 0, {
            stage: e.stage,
            label: e.label,
            epochs: e.epochs,
            stepsPerEpoch: e.stepsPerEpoch,
            imagesPerStep: 0,
            done: false,
            epochsDone: 0,
          });
          j = this.cur + 1;
        }
        // A stage starts once the one before it ended; stages before it that never started
        // were finished before (a resumed run).
        for (let i = Math.max(0, this.cur); i < j; i++) this.finish(this.plan[i]);
        this.cur = j;
        const s = this.plan[j];
        s.epochs = e.epochs;
        s.stepsPerEpoch = e.stepsPerEpoch;
        s.epochsDone = e.fromEpoch;
        // The student stages share one batch source: a plan made without the data (a remote
        // run) learns their steps from the first of them.
        if (s.stage !== 'teacher')
          for (const o of this.plan)
            if (o.stage !== 'teacher' && o.stepsPerEpoch === 0) o.stepsPerEpoch = e.stepsPerEpoch;
        this.step = e.fromStep ?? 0;
        this.epochBase = this.step;
        this.warmup = true;
        this.epochT0 = this.lastT = this.lastStepT = t;
        this.atEpochEnd = false;
        this.phase = undefined;
        break;
      }
      case 'step': {
        // The first step after an epoch ended starts the next epoch's window (kept until now
        // so that the line written at the epoch's end shows that epoch's rate).
        if (this.atEpochEnd) {
          this.step = this.epochBase = 0;
          this.epochT0 = this.lastT;
        }
        const done = e.step + 1;
        // A stage's first step also restores its checkpoint, sets up its batches and warms
        // up the kernels: a one-off cost, so it starts the clock instead of being extrapolated.
        if (this.warmup && e.step === this.step) {
          this.warmup = false;
          this.step = this.epochBase = done;
          this.epochT0 = this.lastT = this.lastStepT = t;
          if (e.images !== undefined) this.lastImages = e.images;
          this.phase = undefined;
          break;
        }
        this.warmup = false;
        this.add(e.stage, t - this.lastT, done - this.step);
        this.step = done;
        this.lastT = this.lastStepT = t;
        if (e.images !== undefined) this.lastImages = e.images;
        this.atEpochEnd = false;
        this.phase = undefined;
        break;
      }
      case 'epoch': {
        const s = this.plan[this.cur];
        // The time after the last step (the test pass, the metrics) belongs to the stage's cost.
        this.add(e.stage, t - this.lastT, 0);
        this.lastT = t;
        if (s) s.epochsDone = e.epoch + 1;
        this.atEpochEnd = true;
        this.phase = undefined;
        break;
      }
      case 'stage-end':
        if (!e.cancelled && this.plan[this.cur]) this.finish(this.plan[this.cur]);
        break;
      case 'checkpoint':
        break;
    }
  }

  snapshot(): ProgressSnapshot | undefined {
    const s = this.plan[this.cur];
    // Between stages (before the first, after one ended) a phase is shown on its own.
    if (!s || (s.done && this.phase)) {
      if (!this.phase) return undefined;
      return {
        stage: 0,
        stages: this.plan.length,
        title: '',
        epochsDone: 0,
        epochs: 0,
        step: 0,
        stepsPerEpoch: 0,
        atEpochEnd: false,
        phase: this.phase,
        etaSeconds: this.eta(),
      };
    }
    const snap: ProgressSnapshot = {
      stage: this.cur + 1,
      stages: this.plan.length,
      title: titleOf(s),
      epochsDone: s.epochsDone,
      epochs: s.epochs,
      step: this.atEpochEnd ? s.stepsPerEpoch : this.step,
      stepsPerEpoch: s.stepsPerEpoch,
      atEpochEnd: this.atEpochEnd,
      phase: this.phase,
    };
    const stepsInEpoch = this.step - this.epochBase;
    const seconds = this.lastStepT - this.epochT0;
    if (stepsInEpoch > 0 && seconds > 0) {
      const perStep = s.imagesPerStep > 0 ? s.imagesPerStep : this.lastImages;
      if (perStep > 0) snap.imagesPerSecond = (stepsInEpoch * perStep) / seconds;
    }
    snap.etaSeconds = this.eta();
    return snap;
  }

  private eta(): number | undefined {
    let seconds = 0;
    let steps = 0;
    for (const m of this.measured.values()) {
      seconds += m.seconds;
      steps += m.steps;
    }
    if (steps === 0) return undefined;
    const mean = seconds / steps;
    let eta = 0;
    this.plan.forEach((s, i) => {
      if (i < this.cur || s.done) return;
      const inCurrent = i === this.cur && !this.atEpochEnd ? this.step : 0;
      const left = Math.max(0, (s.epochs - s.epochsDone) * s.stepsPerEpoch - inCurrent);
      const m = this.measured.get(s.stage);
      eta += left * (m && m.steps > 0 ? m.seconds / m.steps : mean);
    });
    return eta;
  }

  private add(stage: StageName, seconds: number, steps: number): void {
    const m = this.measured.get(stage) ?? { seconds: 0, steps: 0 };
    m.seconds += seconds;
    m.steps += steps;
    this.measured.set(stage, m);
  }

  private finish(s: Tracked): void {
    s.done = true;
    s.epochsDone = s.epochs;
  }
}

/** `ab+kd init`, `ab+kd classify`, `teacher wrn-16-2`: the method (first word of the label) and the stage. */
export function titleOf(s: { stage: StageName; label: string }): string {
  if (s.stage === 'teacher') return s.label;
  const method = s.label.split(' ')[0];
  return `${method} ${s.stage === 'ab-init' ? 'init' : 'classify'}`;
}
