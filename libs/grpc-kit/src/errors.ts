import { Metadata, status } from '@grpc/grpc-js';
import { jsonLogger, type Logger } from './logger';

/**
 * Typed domain errors. Throw them anywhere; the call wrappers map them once, at the edge, to
 * their gRPC status with the message as details.
 */
export abstract class DomainError extends Error {
  abstract readonly grpcCode: status;
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly grpcCode = status.NOT_FOUND;
}

/** A request field is wrong; `field` names it (e.g. "teacher.id", "images.shape"). */
export class InvalidArgumentError extends DomainError {
  override readonly name = 'InvalidArgumentError';
  readonly grpcCode = status.INVALID_ARGUMENT;
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export class ResourceExhaustedError extends DomainError {
  override readonly name = 'ResourceExhaustedError';
  readonly grpcCode = status.RESOURCE_EXHAUSTED;
}

export class UnauthenticatedError extends DomainError {
  override readonly name = 'UnauthenticatedError';
  readonly grpcCode = status.UNAUTHENTICATED;
}

export class FailedPreconditionError extends DomainError {
  override readonly name = 'FailedPreconditionError';
  readonly grpcCode = status.FAILED_PRECONDITION;
}

export class AlreadyExistsError extends DomainError {
  override readonly name = 'AlreadyExistsError';
  readonly grpcCode = status.ALREADY_EXISTS;
}

/** A gRPC status as the server sends it. */
export interface GrpcStatus {
  code: status;
  details: string;
}

// Errors of other libs recognised by `name` (they do not import this lib). A lib can also set
// `code` to a status name ('NOT_FOUND', 'INVALID_ARGUMENT', ...), as libs/distill does.
const BY_NAME: Record<string, status> = {
  InvalidKeyError: status.INVALID_ARGUMENT, // libs/artifacts: a key/prefix is malformed
  ModelConfigError: status.INVALID_ARGUMENT, // libs/models: an architecture that cannot be built
  DataError: status.FAILED_PRECONDITION, // libs/data: a dataset cannot be found/read/used
  CheckpointError: status.FAILED_PRECONDITION, // libs/models: a stored checkpoint is unusable
};

/** What a domain error maps to, or undefined for an unexpected error. */
function domainCode(err: Error & { code?: unknown; grpcCode?: unknown }): status | undefined {
  if (err instanceof DomainError) return err.grpcCode;
  if (typeof err.grpcCode === 'number' && status[err.grpcCode] !== undefined) return err.grpcCode;
  if (typeof err.code === 'string' && /^[A-Z_]+$/.test(err.code)) {
    const c = (status as unknown as Record<string, number>)[err.code];
    if (typeof c === 'number' && c !== status.OK && c !== status.UNKNOWN && c !== status.INTERNAL)
      return c;
  }
  if (BY_NAME[err.name] !== undefined) return BY_NAME[err.name];
  if (/NotFound/.test(err.name)) return status.NOT_FOUND;
  return undefined;
}

// An error from an upstream gRPC call (e.g. the extractor calling a teacher) already carries a
// status meant for a caller; pass it on, except server faults, which say nothing useful.
function isServiceError(
  err: unknown,
): err is Error & { code: number; details: string; metadata: Metadata } {
  const e = err as { code?: unknown; details?: unknown; metadata?: unknown };
  return (
    typeof e.code === 'number' && typeof e.details === 'string' && e.metadata instanceof Metadata
  );
}

export const INTERNAL_MESSAGE = 'internal error (details in the server log)';

/**
 * Maps anything thrown by a handler to the status to send: typed/duck-typed domain errors keep
 * their message; anything else becomes INTERNAL with a generic message, the detail is logged.
 */
export function toGrpcStatus(err: unknown, log: Logger = jsonLogger(), method = ''): GrpcStatus {
  if (err instanceof Error) {
    const code = domainCode(err);
    if (code !== undefined) return { code, details: err.message };
  }
  if (
    isServiceError(err) &&
    err.code !== status.UNKNOWN &&
    err.code !== status.INTERNAL &&
    err.code !== status.OK
  ) {
    return { code: err.code, details: err.details };
  }
  log.error('unhandled error in handler', {
    method,
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  return { code: status.INTERNAL, details: INTERNAL_MESSAGE };
}
