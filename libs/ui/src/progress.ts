import { hasInitStage, RunConfig, RunMethod } from '@abd/train';
import { fmtSeconds } from './html';
import type { StageHistory } from './store-view';

/** Where an unfinished run stands, from its saved epoch histories and its config. */
export interface RunProgress {
  /** The stage being trained (or where the run stopped); undefined when every stage is done. */
  current?: { owner: string; stage: string; epoch: number; epochs: number };
  /** Epochs done over all stages of the run, and how many it has in all. */
  done: number;
  total: number;
  /** Mean seconds per epoch so far (training + the per-epoch test), when an epoch is done. */
  secondsPerEpoch?: number;
  etaSeconds?: number;
}

interface PlannedStage {
  owner: string;
  stage: string;
  epochs: number;
}

/** The stages `runPipeline` runs for a config, in order, with their epoch counts. */
export function plannedStages(cfg: RunConfig): PlannedStage[] {
  const out: PlannedStage[] = [];
  if (!cfg.teacher.checkpoint)
    out.push({ owner: 'teacher', stage: 'teacher', epochs: cfg.teacher.epochs });
  const { e1, e2 } = cfg.epochs;
  for (const m of cfg.methods) {
    if (hasInitStage(m as RunMethod)) {
      out.push({ owner: m, stage: m.startsWith('ab+') ? 'ab-init' : 'feature-init', epochs: e1 });
      out.push({ owner: m, stage: 'classify', epochs: e2 });
    } else out.push({ owner: m, stage: 'classify', epochs: e1 + e2 });
  }
  return out;
}

/**
 * Progress of a run: epochs done per planned stage (a method with a stored result counts as
 * done), the first unfinished stage, and an ETA from the mean epoch time so far.
 */
export function runProgress(
  cfg: RunConfig,
  histories: StageHistory[],
  finished: Set<string>,
): RunProgress {
  const stages = plannedStages(cfg);
  let done = 0;
  let current: RunProgress['current'];
  for (const s of stages) {
    const h = histories.find((x) => x.owner === s.owner && x.stage === s.stage);
    const n = finished.has(s.owner) ? s.epochs : Math.min(s.epochs, h?.events.length ?? 0);
    done += n;
    if (n < s.epochs && !current) current = { ...s, epoch: n };
  }
  const total = stages.reduce((a, s) => a + s.epochs, 0);
  const events = histories.flatMap((h) => h.events);
  const seconds = events.reduce((a, e) => a + e.seconds + (e.testSeconds ?? 0), 0);
  const secondsPerEpoch = events.length ? seconds / events.length : undefined;
  const etaSeconds = secondsPerEpoch !== undefined ? (total - done) * secondsPerEpoch : undefined;
  return { current, done, total, secondsPerEpoch, etaSeconds };
}

/** One line: `ab+kd · classify · epoch 4/25 · 58/90 epochs done · ETA 4.2 min`. */
export function progressText(p: RunProgress, live: boolean): string {
  const parts: string[] = [];
  if (p.current)
    parts.push(
      `${p.current.owner} · ${p.current.stage} · epoch ${Math.min(p.current.epoch + 1, p.current.epochs)}/${p.current.epochs}`,
    );
  parts.push(`${p.done}/${p.total} epochs done`);
  if (p.secondsPerEpoch !== undefined) parts.push(`${fmtSeconds(p.secondsPerEpoch)}/epoch`);
  if (live && p.etaSeconds !== undefined && p.done < p.total)
    parts.push(`ETA ${fmtSeconds(p.etaSeconds)}`);
  return parts.join(' · ');
}
