import { InvalidKeyError } from './errors';

/** Longest key we accept; S3 allows 1024 bytes, we keep room for a store prefix. */
export const MAX_KEY_LENGTH = 512;

/** Prefix of the temporary files a local store writes before its atomic rename. */
export const TEMP_PREFIX = '.tmp-';

const ALLOWED = /^[A-Za-z0-9._=+@,\-/]*$/;

function checkChars(key: string): void {
  if (typeof key !== 'string') throw new InvalidKeyError(String(key), 'not a string');
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  }
  if (key.includes('\\')) throw new InvalidKeyError(key, 'contains a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key))
    throw new InvalidKeyError(key, 'contains a control character');
  if (!ALLOWED.test(key)) {
    throw new InvalidKeyError(key, 'contains a character outside [A-Za-z0-9._=+@,-/]');
  }
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'is absolute (starts with /)');
}

function checkSegment(key: string, segment: string): void {
  if (segment === '') throw new InvalidKeyError(key, 'has an empty path segment');
  if (segment === '.' || segment === '..') {
    throw new InvalidKeyError(key, `has a '${segment}' path segment`);
  }
  // Temp files of the local store are invisible to `list`; a key that looked like one would vanish.
  if (segment.startsWith(TEMP_PREFIX)) {
    throw new InvalidKeyError(key, `has a segment starting with '${TEMP_PREFIX}' (reserved)`);
  }
}

/**
 * Checks an object key and returns it unchanged. Keys are '/'-separated relative paths over
 * [A-Za-z0-9._=+@,-/]; no empty, '.' or '..' segments, no trailing '/', at most 512 characters.
 * Throws InvalidKeyError otherwise.
 */
export function validateKey(key: string): string {
  checkChars(key);
  if (key === '') throw new InvalidKeyError(key, 'is empty');
  if (key.endsWith('/')) throw new InvalidKeyError(key, "ends with '/'");
  for (const segment of key.split('/')) checkSegment(key, segment);
  return key;
}

/**
 * Checks a `list` prefix: '' (everything), or a key prefix that may end in '/' or in a partial
 * segment ('models/wrn-1' matches 'models/wrn-16-2/...'). Returns it unchanged.
 */
export function validatePrefix(prefix: string): string {
  checkChars(prefix);
  if (prefix === '') return prefix;
  const segments = prefix.split('/');
  const last = segments.pop() as string;
  for (const segment of segments) checkSegment(prefix, segment);
  if (last === '.' || last === '..')
    throw new InvalidKeyError(prefix, `has a '${last}' path segment`);
  return prefix;
}
