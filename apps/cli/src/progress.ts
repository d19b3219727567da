import { formatEpochLog, TrainEvent } from '@abd/train';

/**
 * Prints stage headers and the paper-format epoch blocks to stdout, and a progress bar on
 * stderr when it is a terminal.
 */
export function consoleReporter(opts: { quiet?: boolean } = {}): (e: TrainEvent) => void {
  const tty = process.stderr.isTTY === true;
  let barShown = false;
  const clearBar = () => {
    if (barShown) {
      process.stderr.write('\r\x1b[K');
      barShown = false;
    }
  };
  return (e) => {
    switch (e.type) {
      case 'stage-start':
        clearBar();
        if (!opts.quiet) {
          const from = e.fromEpoch > 0 ? ` (resuming at epoch ${e.fromEpoch + 1})` : '';
          console.log(`\n== ${e.label}: ${e.stage}, ${e.epochs} epoch(s) × ${e.stepsPerEpoch} steps${from}`);
        }
        break;
      case 'step':
        if (tty) {
          const width = 30;
          const done = Math.round(((e.step + 1) / e.stepsPerEpoch) * width);
          process.stderr.write(
            `\r\x1b[K[${'#'.repeat(done)}${'.'.repeat(width - done)}] epoch ${e.epoch + 1} step ${e.step + 1}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)} lr ${e.lr.toPrecision(3)}`,
          );
          barShown = true;
        } else if (!opts.quiet) {
          // Not a terminal (CI, a log file): a line at every tenth of an epoch.
          const tenth = Math.max(1, Math.round(e.stepsPerEpoch / 10));
          if ((e.step + 1) % tenth === 0 && e.step + 1 < e.stepsPerEpoch) {
            console.log(`  epoch ${e.epoch + 1} step ${e.step + 1}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)} lr ${e.lr.toPrecision(3)}`);
          }
        }
        break;
      case 'epoch':
        clearBar();
        if (!opts.quiet) console.log(formatEpochLog(e));
        break;
      case 'checkpoint':
        if (e.partial) {
          clearBar();
          console.log(`checkpoint saved at ${e.key} (epoch ${e.epoch + 1}, mid-epoch); rerun the same command to resume`);
        }
        break;
      case 'stage-end':
        clearBar();
        break;
    }
  };
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
