import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

// The repository's own eslint.config.mjs, applied to probe sources placed (virtually) in projects.
const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });
// (Relative paths in probes are built with repeat(): they are relative to the probe's place, not this file's.)

async function lintAt(
  file: string,
  code: string,
): Promise<{ rule: string | null; message: string }[]> {
  const [res] = await eslint.lintText(code, { filePath: join(root, file) });
  return res.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
}

describe('module boundaries', () => {
  it('an app importing another app fails lint', async () => {
    const msgs = await lintAt(
      'apps/cli/src/lint-probe.ts',
      `import { teacherInferenceService } from '@abd/teacher-inference';\nexport const x = teacherInferenceService;\n`,
    );
    assert.deepEqual(msgs, [
      { rule: '@nx/enforce-module-boundaries', message: 'Imports of apps are forbidden' },
    ]);
  });

  it('an app importing a library passes', async () => {
    assert.deepEqual(
      await lintAt(
        'apps/cli/src/lint-probe.ts',
        `import { parseRunConfig } from '@abd/train';\nexport const x = parseRunConfig;\n`,
      ),
      [],
    );
  });

  it("an app importing a library's testing entry passes; a deep import of the same fixture fails", async () => {
    assert.deepEqual(
      await lintAt(
        'apps/cli/src/lint-probe.test.ts',
        `import { tempDir } from '@abd/train/testing';\nexport const x = tempDir;\n`,
      ),
      [],
    );
    const msgs = await lintAt(
      'apps/cli/src/lint-probe.test.ts',
      `import { tempDir } from '${'../'.repeat(3)}libs/train/src/testing/fixture';\nexport const x = tempDir;\n`,
    );
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.match(msgs[0].message, /relative or absolute path/);
  });

  it('a deep relative import into another project fails lint', async () => {
    const msgs = await lintAt(
      'apps/cli/src/lint-probe.ts',
      `import { parseRunConfig } from '${'../'.repeat(3)}libs/train/src/run-config';\nexport const x = parseRunConfig;\n`,
    );
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.equal(msgs[0].rule, '@nx/enforce-module-boundaries');
    assert.match(msgs[0].message, /relative or absolute path/);
  });

  it('a library importing an app fails lint', async () => {
    const msgs = await lintAt(
      'libs/ui/src/lint-probe.ts',
      `import { studentTrainerService } from '@abd/student-trainer';\nexport const x = studentTrainerService;\n`,
    );
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.equal(msgs[0].rule, '@nx/enforce-module-boundaries');
  });

  for (const lib of ['libs/train', 'libs/distill', 'libs/models', 'libs/tensor', 'libs/data']) {
    it(`${lib} importing generated proto code fails lint`, async () => {
      const msgs = await lintAt(
        `${lib}/src/lint-probe.ts`,
        `import { common } from '@abd/proto';\nexport const x = common;\n`,
      );
      // Both the import rule and the tag rule (type:core may not depend on layer:wire) catch it.
      assert.deepEqual(
        msgs.map((m) => m.rule).sort(),
        ['@nx/enforce-module-boundaries', 'no-restricted-imports'],
        JSON.stringify(msgs),
      );
    });
  }

  it('a core library importing the io library fails lint', async () => {
    const msgs = await lintAt(
      'libs/train/src/lint-probe.ts',
      `import { RemoteBatchSource } from '@abd/train-io';\nexport const x = RemoteBatchSource;\n`,
    );
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.equal(msgs[0].rule, '@nx/enforce-module-boundaries');
  });

  it('the io library may import generated proto code and the core libraries', async () => {
    assert.deepEqual(
      await lintAt(
        'libs/train-io/src/lint-probe.ts',
        `import { common } from '@abd/proto';\nimport { parseRunConfig } from '@abd/train';\nexport const x = [common, parseRunConfig];\n`,
      ),
      [],
    );
  });

  it('an io library may import generated proto code', async () => {
    assert.deepEqual(
      await lintAt(
        'libs/grpc-kit/src/lint-probe.ts',
        `import { common } from '@abd/proto';\nexport const x = common;\n`,
      ),
      [],
    );
  });
});
