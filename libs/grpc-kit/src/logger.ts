/** Minimal structured logger the kit writes to; services pass their own or get JSON lines on stderr. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + '\n';
}

/** One JSON object per line on the given stream (stderr by default, so stdout stays clean). */
export function jsonLogger(out: NodeJS.WritableStream = process.stderr): Logger {
  return {
    info: (m, f) => void out.write(line('info', m, f)),
    warn: (m, f) => void out.write(line('warn', m, f)),
    error: (m, f) => void out.write(line('error', m, f)),
  };
}

/** Drops everything (tests that provoke errors on purpose). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
