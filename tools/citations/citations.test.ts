import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DESIGN_DOC, citationProblems, designSections, repoCitationProblems } from './citations';

const root = join(__dirname, '..', '..');
const sections = designSections(readFileSync(join(root, DESIGN_DOC), 'utf8'));
// Pieces, so that this file itself holds none of the patterns it tests.
const oldCite = ['DESIGN', ' §8'].join('');
const machinePath = ['/', 'work', '/shared/x.py'].join('');
const up = (n: number) => '../'.repeat(n);

describe('citations', () => {
  it('the design page has numbered sections', () => {
    assert.ok(sections.size >= 9, `only ${sections.size} sections`);
    assert.equal(sections.get(9), 'Reference results');
  });

  it('every tracked file cites only the repository and existing design sections', () => {
    const problems = repoCitationProblems(root);
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}: ${p.why}: ${p.text}`),
      [],
    );
  });

  it('finds an old design citation, paths outside the repository and missing sections', () => {
    const text = [
      `// figures of ${oldCite}`,
      `// measured with ${machinePath}`,
      `// see ${up(4)}shared/x.py`,
      `// see ${DESIGN_DOC} §99 (Nowhere)`,
      `// see ${DESIGN_DOC} §9 (Wrong name)`,
    ].join('\n');
    const problems = citationProblems('libs/x/src/a.ts', text, sections);
    assert.deepEqual(
      problems.map((p) => p.line),
      [1, 2, 3, 4, 5],
      JSON.stringify(problems, null, 1),
    );
  });

  it('accepts paths inside the repository and correct citations', () => {
    const text = [
      `import { x } from '${up(3)}libs/train/src/testing/fixture';`,
      `// ${DESIGN_DOC} §9 (Reference results), ${DESIGN_DOC} §2`,
      `const bad = '/runs/tiny/../../../etc/passwd'; // a URL path under test, not a citation`,
    ].join('\n');
    assert.deepEqual(citationProblems('apps/cli/src/a.test.ts', text, sections), []);
  });
});
