import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One citation that does not point into the repository, with where it is. */
export interface CitationProblem {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** The design page every citation must name; its sections are `## N. Name` headings. */
export const DESIGN_DOC = 'docs/design.md';

// Built from pieces so that this file does not match its own patterns.
const OLD_DESIGN = new RegExp(['DESIGN', '(\\.md)?', '\\s*§'].join(''));
const OUTSIDE = [
  {
    re: new RegExp(['/', 'work', '/'].join('')),
    why: 'absolute path of the machine outside the repository',
  },
  {
    re: new RegExp(['shared', '/(reference|paper)'].join('')),
    why: 'path of material outside the repository',
  },
];
const DESIGN_CITE = /docs\/design\.md\s*§\s*(\d+)(?:\s*\(([^)]*)\))?/g;
// A relative path that starts a token: `../x`, `../../x` (not `/a/../x`, a path inside a path).
const RELATIVE = /(?<![\w./-])((?:\.\.\/)+)([\w.-]+)/g;

/** Section number → name of the design page's `## N. Name` headings. */
export function designSections(markdown: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of markdown.matchAll(/^## (\d+)\. (.+?)\s*$/gm)) out.set(Number(m[1]), m[2]);
  return out;
}

/**
 * Problems in one file's text: a citation of the old design numbering, a path outside the
 * repository (absolute, or relative and leading above the repository root), or a
 * `docs/design.md §N (Name)` whose section does not exist or has another name.
 */
export function citationProblems(
  file: string,
  text: string,
  sections: Map<number, string>,
): CitationProblem[] {
  const problems: CitationProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = (why: string) => problems.push({ file, line: i + 1, text: line.trim(), why });
    if (OLD_DESIGN.test(line))
      at(`cites a design outside the repository; cite ${DESIGN_DOC} §N (Name)`);
    for (const o of OUTSIDE) if (o.re.test(line)) at(o.why);
    for (const m of line.matchAll(RELATIVE)) {
      const target = resolve('/repo', dirname(file), m[1] + m[2]);
      if (target !== '/repo' && !target.startsWith(`/repo${sep}`))
        at(`relative path ${m[0]} leads outside the repository`);
    }
    for (const m of line.matchAll(DESIGN_CITE)) {
      const name = sections.get(Number(m[1]));
      if (name === undefined) at(`${DESIGN_DOC} has no §${m[1]}`);
      else if (m[2] !== undefined && m[2].trim() !== name)
        at(`${DESIGN_DOC} §${m[1]} is "${name}", not "${m[2]}"`);
    }
  });
  return problems;
}

/** Every tracked text file of the repository at `root` (node_modules excluded), checked. */
export function repoCitationProblems(root: string): CitationProblem[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !f.split('/').includes('node_modules') && f !== 'package-lock.json');
  const sections = designSections(readFileSync(join(root, DESIGN_DOC), 'utf8'));
  const problems: CitationProblem[] = [];
  for (const f of files) {
    let buf: Buffer;
    try {
      buf = readFileSync(join(root, f));
    } catch {
      continue; // tracked but deleted in the work tree
    }
    if (buf.includes(0)) continue; // binary
    problems.push(
      ...citationProblems(relative(root, join(root, f)), buf.toString('utf8'), sections),
    );
  }
  return problems;
}
