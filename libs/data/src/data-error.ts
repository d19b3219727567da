/** A dataset could not be found, read or used; the message names the file and what was wrong. */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** The file (or directory) the error is about, when there is one. */
  readonly file?: string;

  constructor(message: string, file?: string) {
    super(message);
    this.file = file;
  }
}

/** Throws a DataError with a lazily built message when `cond` is false. */
export function check(cond: boolean, message: () => string, file?: string): asserts cond {
  if (!cond) throw new DataError(message(), file);
}
