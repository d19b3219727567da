import { clearLine, cursorTo } from 'node:readline';
import { formatEpochLog, formatProgress, RunProgress, TrainEvent } from '@abd/train';

/**
 * One redrawn line on a terminal. Node's own readline cursor helpers are all it takes, so no
 * progress-bar package: the line is cut to the terminal's width (a wrapped line cannot be
 * redrawn) and taken away before anything else is printed.
 */
class LiveLine {
  private shown = false;
  constructor(private readonly out: NodeJS.WriteStream) {}
  show(text: string): void {
    const width = this.out.columns || 100;
    cursorTo(this.out, 0);
    this.out.write(text.length >= width ? `${text.slice(0, width - 2)}…` : text);
    clearLine(this.out, 1);
    this.shown = true;
  }
  /** Runs `print` with the line taken away; the next `show` puts a line back. */
  around(print: () => void): void {
    this.hide();
    print();
  }
  hide(): void {
    if (!this.shown) return;
    cursorTo(this.out, 0);
    clearLine(this.out, 0);
    this.shown = false;
  }
}

/**
 * Prints a run's progress: stage headers, the paper-format epoch blocks and, after each epoch,
 * where the whole run stands (`stage 4/5 ab+kd classify · epoch 3/25 done · 47 img/s · ETA 4 min`)
 * to stdout; the work between steps (loading data, evaluating the teacher, a test pass) is named.
 * On a terminal (stderr) the position is also a line redrawn at every step; without one, plain
 * lines at each tenth of an epoch instead, free of control characters.
 */
export function consoleReporter(
  opts: { quiet?: boolean; live?: boolean; epochLog?: boolean } = {},
): ((e: TrainEvent) => void) & { log: (text: string) => void; close: () => void } {
  const live = opts.live ?? process.stderr.isTTY === true;
  const line = live ? new LiveLine(process.stderr) : undefined;
  const model = new RunProgress();
  const log = (text: string) => (line ? line.around(() => console.log(text)) : console.log(text));
  let drawnAt = 0;
  const draw = (force = false) => {
    const snap = model.snapshot();
    const now = performance.now();
    // Redrawing a few times a second is enough; the last step of an epoch always shows.
    if (!line || !snap || (!force && now - drawnAt < 100)) return;
    drawnAt = now;
    line.show(formatProgress(snap));
  };
  const position = () => {
    const snap = model.snapshot();
    return snap ? `  ${formatProgress(snap)}` : '';
  };
  const sink = (e: TrainEvent) => {
    model.onEvent(e);
    switch (e.type) {
      case 'phase':
        if (line) draw(true);
        else if (!opts.quiet) log(position());
        break;
      case 'stage-start':
        if (!opts.quiet) {
          const snap = model.snapshot();
          const step = e.fromStep ? `, step ${e.fromStep + 1}` : '';
          const from =
            e.fromEpoch > 0 || step ? ` (resuming at epoch ${e.fromEpoch + 1}${step})` : '';
          log(
            `\n== stage ${snap?.stage}/${snap?.stages} ${e.label}: ${e.stage}, ${e.epochs} epoch(s) × ${e.stepsPerEpoch} steps${from}`,
          );
        }
        draw(true);
        break;
      case 'step':
        if (line) draw(e.step + 1 === e.stepsPerEpoch);
        else if (!opts.quiet) {
          // Not a terminal (CI, a log file): a line at every tenth of an epoch.
          const tenth = Math.max(1, Math.round(e.stepsPerEpoch / 10));
          if ((e.step + 1) % tenth === 0 && e.step + 1 < e.stepsPerEpoch) log(position());
        }
        break;
      case 'epoch':
        // A remote run's epoch events carry no metrics block (its trainer's lines are printed).
        if (!opts.quiet)
          log(opts.epochLog === false ? position() : `${formatEpochLog(e)}\n${position()}`);
        draw(true);
        break;
      case 'checkpoint':
        if (e.partial) {
          log(`checkpoint saved at ${e.key} (epoch ${e.epoch + 1}, mid-epoch)`);
          draw(true);
        }
        break;
      case 'stage-end':
        line?.hide();
        break;
      case 'plan':
        break;
    }
  };
  // `log` prints around the live line; `close` takes it away before the caller prints results.
  return Object.assign(sink, { log, close: () => line?.hide() });
}

/** Ctrl-C once: stop after the current step, save a checkpoint, exit. Twice: exit at once. */
export function interruptSignal(): AbortSignal {
  const ctl = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\ninterrupted: saving a checkpoint (Ctrl-C again to quit now)\n');
      ctl.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return ctl.signal;
}
