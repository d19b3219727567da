/** Base class of every error the artifact store raises; `key` names the object involved, if any. */
export class StoreError extends Error {
  readonly key: string | undefined;

  constructor(message: string, key?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.key = key;
  }
}

/** The object does not exist (or the key names a "directory", which is not an object). */
export class NotFoundError extends StoreError {
  constructor(key: string, where: string) {
    super(`artifact not found: '${key}' in ${where}`, key);
    this.name = 'NotFoundError';
  }
}

/** The key (or list prefix) is not acceptable; raised before any I/O happens. */
export class InvalidKeyError extends StoreError {
  readonly reason: string;

  constructor(key: string, reason: string) {
    super(`invalid artifact key ${JSON.stringify(key)}: ${reason}`, key);
    this.name = 'InvalidKeyError';
    this.reason = reason;
  }
}
