/**
 * One waiter's wake-up call for a single-consumer loop: the loop awaits `wait()` when it has
 * nothing to do; producers, aborts and timers call `notify()`. A notify with nobody waiting is
 * dropped, so the loop re-checks its state before every wait.
 */
export class Wakeup {
  private wake: (() => void) | undefined;

  /** Wakes the current waiter, if any (safe to pass as a callback). */
  readonly notify = (): void => {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  };

  /** Resolves at the next `notify()`. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }
}
