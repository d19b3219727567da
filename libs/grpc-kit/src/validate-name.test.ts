import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from './errors';
import { validateName } from './validate-name';

test('accepts ordinary store names', () => {
  for (const ok of ['wrn-16-2', 'fashion-mnist', 'job_01.final', 'A', '9x', 'a'.repeat(128)]) {
    assert.equal(validateName('model', ok), ok);
  }
});

test('rejects hostile names with InvalidArgumentError naming the field', () => {
  const bad: unknown[] = [
    '',
    '..',
    '../etc/passwd',
    'a/../../b',
    '/abs',
    '\\\\server\\share',
    'C:\\x',
    'a/b',
    '.hidden',
    '-flag',
    '_x',
    'a..b',
    'a b',
    'tab\tx',
    'nul\0x',
    'new\nline',
    'é',
    'a'.repeat(129),
    'x%2e%2e',
    undefined,
    null,
    42,
    {},
  ];
  for (const v of bad) {
    assert.throws(
      () => validateName('teacher.id', v),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.field === 'teacher.id' &&
        e.message.startsWith('teacher.id: '),
      `accepted ${JSON.stringify(v)}`,
    );
  }
});

test('long hostile names are cut in the message', () => {
  assert.throws(
    () => validateName('job_id', 'x'.repeat(10_000)),
    (e: Error) => e.message.length < 200,
  );
});
