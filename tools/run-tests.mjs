// Runs every `*.test.ts` file under a project directory with Node's test runner and tsx.
// Usage: node tools/run-tests.mjs <project-dir> [name-filter]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [dir, filter] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node tools/run-tests.mjs <project-dir> [name-filter]');
  process.exit(2);
}
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    if (name === 'node_modules' || name === 'build') continue;
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts') && (!filter || p.includes(filter))) files.push(p);
  }
};
walk(dir);
if (files.length === 0) {
  console.log(`${dir}: no test files`);
  process.exit(0);
}
files.sort();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit', env: { ...process.env, ABD_TEST: '1' } },
);
process.exit(r.status ?? 1);
