import { ProgressSnapshot } from './run-progress';

/** `0 s`, `45 s`, `4 min`, `1 h 05 min`: rounded to what a person plans with. */
export function formatDuration(seconds: number): string {
  if (seconds < 59.5) return `${Math.round(seconds)} s`;
  const min = Math.round(seconds / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

/** `47 img/s`, `3.2 img/s`. */
export function formatRate(imagesPerSecond: number): string {
  return `${imagesPerSecond >= 10 ? Math.round(imagesPerSecond) : imagesPerSecond.toFixed(1)} img/s`;
}

/**
 * One line of where a run stands, e.g.
 * `stage 4/4 ab+kd classify · epoch 3/25 · step 12/47 · 47 img/s · ETA 4 min`; at an epoch's end
 * `… · epoch 3/25 done · …`; during a phase the phase's text takes the step's place.
 */
export function formatProgress(s: ProgressSnapshot): string {
  if (s.stage === 0)
    return [
      s.phase?.text ?? '',
      ...(s.etaSeconds !== undefined ? [`ETA ${formatDuration(s.etaSeconds)}`] : []),
    ].join(' · ');
  const parts = [`stage ${s.stage}/${s.stages} ${s.title}`];
  if (s.phase)
    parts.push(`epoch ${Math.min(s.epochsDone + 1, s.epochs)}/${s.epochs}`, s.phase.text);
  else if (s.atEpochEnd) parts.push(`epoch ${s.epochsDone}/${s.epochs} done`);
  else
    parts.push(
      `epoch ${Math.min(s.epochsDone + 1, s.epochs)}/${s.epochs}`,
      `step ${s.step}/${s.stepsPerEpoch}`,
    );
  if (s.imagesPerSecond !== undefined) parts.push(formatRate(s.imagesPerSecond));
  if (s.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  return parts.join(' · ');
}
