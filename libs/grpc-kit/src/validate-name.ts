import { InvalidArgumentError } from './errors';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks a name that will reach the store (model id, dataset name, job id):
 * `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`, no `..`. Leading `/`, `\`, control characters and the
 * like all fail the pattern. Throws InvalidArgumentError naming `field`; returns the value.
 */
export function validateName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgumentError(field, 'is required');
  }
  const shown = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (value.length > 128)
    throw new InvalidArgumentError(field, `${shown} is longer than 128 characters`);
  if (value.includes('..')) throw new InvalidArgumentError(field, `${shown} must not contain '..'`);
  if (!NAME.test(value)) {
    throw new InvalidArgumentError(
      field,
      `${shown} is not a valid name (letters, digits, '.', '_', '-'; starting with a letter or digit)`,
    );
  }
  return value;
}
