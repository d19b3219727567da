import type { RunConfig } from '@abd/train';

/** PyTorch reference figures for a run's setting, when one was measured: docs/design.md §9 (Reference results). */
export interface Reference {
  label: string;
  errorPct: Record<string, number>;
  similarity?: number[];
}

/**
 * PyTorch figures measured with the PyTorch reference, docs/design.md §9 (Reference results), for the
 * settings our configs reproduce; matched on everything that defines the row.
 */
export function referenceFor(
  cfg: RunConfig,
  teacherEpochs: number | undefined,
): Reference | undefined {
  const frac = cfg.dataset.subset?.fraction ?? (cfg.dataset.subset ? undefined : 1);
  const perStep =
    // The reference rows have no CE term (α = 0), which the standard recipe adds.
    cfg.train.schedule === 'per-step' &&
    cfg.ab.schedule === 'per-step' &&
    cfg.kd.t2Factor &&
    cfg.kd.alpha === 0;
  const same =
    cfg.dataset.name === 'fashion-mnist' &&
    /^(wrn-)?16-2$/i.test(cfg.teacher.arch) &&
    /^(wrn-)?10-1$/i.test(cfg.student.arch) &&
    cfg.epochs.e1 === 5 &&
    cfg.epochs.e2 === 25 &&
    teacherEpochs === 8 &&
    frac === 0.1 &&
    perStep &&
    cfg.student.init === 'paper';
  if (!same) return undefined;
  return {
    label:
      'docs/design.md §9 (Reference results), teacher 8 epochs (7.49 %), 10 % data, 5+25, per-step decay, KD·T², paper init (one seed)',
    errorPct: { none: 13.36, kd: 11.39, 'ab+kd': 12.47 },
    similarity: [83.6, 81.7, 76.2],
  };
}
