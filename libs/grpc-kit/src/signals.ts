import type { Logger } from './logger';

export interface SignalOptions {
  log?: Logger;
  /** Grace period passed to shutdown (default: the server's). */
  graceMs?: number;
  /** Exit the process after shutdown (default true; code 0). */
  exit?: boolean;
}

/**
 * On SIGTERM/SIGINT: shut the server down gracefully (tryShutdown, then forceShutdown after the
 * grace period) and exit. A second signal exits at once. Returns a function that uninstalls.
 */
export function installSignalHandlers(
  target: { shutdown(graceMs?: number): Promise<void> },
  options: SignalOptions = {},
): () => void {
  let received = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (received) {
      options.log?.warn('second signal, exiting now', { signal: sig });
      process.exit(130);
    }
    received = true;
    options.log?.info('shutting down', { signal: sig });
    void target.shutdown(options.graceMs).then(() => {
      options.log?.info('stopped');
      if (options.exit !== false) process.exit(0);
    });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.removeListener('SIGTERM', handler);
    process.removeListener('SIGINT', handler);
  };
}
