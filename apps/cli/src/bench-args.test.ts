import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], { encoding: 'utf8', timeout: 120_000 });

test('abd bench names its parts and distill-ratio its stages; anything else is a usage error before any work', () => {
  const help = abd('bench', '--help');
  assert.equal(help.status, 0, help.stderr);
  for (const f of [
    'distill-ratio',
    '--services',
    '--teacher-cpus',
    '--window',
    '--teacher-threads',
  ])
    assert.ok(help.stdout.includes(f), f);
  const part = abd('bench', 'distill-ratios');
  assert.notEqual(part.status, 0);
  assert.match(part.stderr, /unknown part 'distill-ratios' \(known: distill-ratio\)/);
  assert.doesNotMatch(part.stdout, /^bench /m);
  const only = abd('bench', 'distill-ratio', '--only', 'kd,fitnets');
  assert.notEqual(only.status, 0);
  assert.match(only.stderr, /--only: kd and\/or ab, got 'fitnets'/);
  assert.doesNotMatch(only.stdout, /^bench /m);
});
