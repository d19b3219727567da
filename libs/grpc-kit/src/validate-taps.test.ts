import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTapList, MAX_TAPS, shownName } from './validate-taps';

test('checkTapList: duplicates and over-long lists are INVALID_ARGUMENT naming the field; shownName cuts long names', () => {
  checkTapList('taps', ['tap1', 'tap2', 'tap3']);
  checkTapList('taps', []);
  assert.throws(() => checkTapList('taps', ['a', 'b', 'a']), {
    name: 'InvalidArgumentError',
    message: 'taps[2]: "a" is listed twice',
  });
  assert.throws(
    () =>
      checkTapList(
        'taps',
        Array.from({ length: MAX_TAPS + 1 }, (_, i) => `t${i}`),
      ),
    { message: `taps: ${MAX_TAPS + 1} taps requested, at most ${MAX_TAPS}` },
  );
  assert.throws(() => checkTapList('taps', ['a', 'b', 'c'], { max: 2 }), {
    message: 'taps: 3 taps requested, at most 2',
  });
  // Names: each checked as validateName checks it, the index in the field.
  checkTapList('taps', ['block1.relu', 'b-2_x'], { names: true });
  checkTapList('taps', ['../x'], { names: false });
  assert.throws(() => checkTapList('taps', ['ok', '../x'], { names: true }), {
    name: 'InvalidArgumentError',
    message: /^taps\[1\]: "\.\.\/x" must not contain '\.\.'/,
  });
  assert.throws(() => checkTapList('taps', ['ok', ''], { names: true }), {
    message: 'taps[1]: is required',
  });
  assert.equal(shownName('tap1'), '"tap1"');
  const long = shownName('z'.repeat(10_000));
  assert.equal(long, `"${'z'.repeat(64)}… (10000 characters)"`);
});
