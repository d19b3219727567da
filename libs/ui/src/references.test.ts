import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig } from '@abd/train';
import { referenceFor } from './references';

const DEMO = join(
  __dirname,
  '..',
  '..',
  '..',
  'configs',
  'fashion-mnist',
  'wrn-10-1-from-wrn-16-2-ab-demo.yaml',
);

test('the demo config matches its PyTorch reference row; the standard recipe’s CE term does not', () => {
  const demo = parseRunConfig(readFileSync(DEMO, 'utf8'), DEMO);
  assert.ok(referenceFor(demo, 8), 'the demo has a reference row');
  assert.equal(referenceFor({ ...demo, kd: { ...demo.kd, alpha: 0.1 } }, 8), undefined);
  assert.equal(referenceFor(demo, 3), undefined);
});
