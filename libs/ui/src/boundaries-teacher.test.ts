import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { Wrn } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { validateRunConfig } from '@abd/train';
import { BoundaryCache } from './boundaries';

const ROOT = join(__dirname, '..', '..', '..');

test('a run’s teacher given as builtin:<name> or as an older run’s repository-relative path loads the committed checkpoint', async () => {
  await initBackend({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'abd-ui-teacher-'));
  try {
    const cache = new BoundaryCache(openStore(dir), ROOT);
    for (const checkpoint of [
      'builtin:fashion-mnist-wrn-16-2',
      'assets/teachers/fashion-mnist-wrn-16-2',
    ]) {
      const cfg = validateRunConfig({
        name: 't',
        teacher: { arch: 'wrn-16-2', checkpoint },
        student: { arch: 'wrn-10-1' },
      });
      const m = await cache.teacher('r', cfg);
      assert.ok(m instanceof Wrn, checkpoint);
      assert.equal(m.config.depth, 16, checkpoint);
      assert.equal(m.config.widen, 2, checkpoint);
    }
    // Neither on disk nor a valid store key: refused, not looked up.
    const bad = validateRunConfig({
      name: 't',
      teacher: { arch: 'wrn-16-2', checkpoint: 'builtin:none' },
      student: { arch: 'wrn-10-1' },
    });
    await assert.rejects(cache.teacher('r', bad));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
