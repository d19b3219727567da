/**
 * Typed errors of the distillation library. `code` names the gRPC status an edge should map
 * the error to, so services do not have to parse messages.
 */
export type DistillErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS';

export class DistillError extends Error {
  constructor(
    message: string,
    readonly code: DistillErrorCode = 'INVALID_ARGUMENT',
  ) {
    super(message);
    this.name = 'DistillError';
  }
}

/** A sign map whose bytes or shape do not fit together. */
export class SignMapError extends DistillError {
  constructor(message: string) {
    super(message, 'INVALID_ARGUMENT');
    this.name = 'SignMapError';
  }
}

/** Unknown or duplicate method name. */
export class MethodRegistryError extends DistillError {
  constructor(message: string, code: 'NOT_FOUND' | 'ALREADY_EXISTS') {
    super(message, code);
    this.name = 'MethodRegistryError';
  }
}

/** Method parameters with an unknown key or a value of the wrong type or range. */
export class MethodParamsError extends DistillError {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message, 'INVALID_ARGUMENT');
    this.name = 'MethodParamsError';
  }
}

/** Throws a DistillError with a lazily built message when `cond` is false. */
export function check(cond: boolean, message: () => string): asserts cond {
  if (!cond) throw new DistillError(message());
}
