/**
 * Learning-rate schedules.
 * - `paper-epochs` (the paper's code, classification stage): lr / 5 at the epoch boundaries
 *   ⌈0.3E⌉+1, ⌈0.6E⌉+1, ⌈0.8E⌉+1 (1-based epochs; a 1-epoch stage never decays).
 * - `per-step`: lr / 5 once 30 %, 60 %, 80 % of all steps are done (the reference's default).
 * - `constant`: the paper code's AB stage.
 */
export type ScheduleKind = 'paper-epochs' | 'per-step' | 'constant';
export const SCHEDULE_KINDS: ScheduleKind[] = ['paper-epochs', 'per-step', 'constant'];

const MILESTONES = [0.3, 0.6, 0.8];
const FACTOR = 0.2;

/** lr for a step, with `epoch` 0-based and `step` the 0-based step within the epoch. */
export function learningRate(
  kind: ScheduleKind,
  base: number,
  epoch: number,
  step: number,
  stepsPerEpoch: number,
  epochs: number,
): number {
  switch (kind) {
    case 'constant':
      return base;
    case 'paper-epochs': {
      const e1 = epoch + 1;
      const n = MILESTONES.filter((q) => e1 >= Math.ceil(epochs * q) + 1).length;
      return base * FACTOR ** n;
    }
    case 'per-step': {
      const s = epoch * stepsPerEpoch + step;
      const total = epochs * stepsPerEpoch;
      const n = MILESTONES.filter((q) => s >= total * q).length;
      return base * FACTOR ** n;
    }
  }
}

/**
 * The paper code's AB stage re-makes its optimizer (dropping the momentum) at epoch
 * ⌈0.75·E₁⌉+1 (1-based). True when that happens at the start of 0-based `epoch`.
 */
export function abOptimizerResetAt(epoch: number, epochs: number): boolean {
  return epoch > 0 && epoch === Math.ceil(epochs * 0.75);
}
