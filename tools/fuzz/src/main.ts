// `node --import tsx tools/fuzz/src/main.ts --requests 20000 [--seed N] [--concurrency 4]`:
// the long fuzz run; prints the figures one per line and exits 1 on any failure.
import { parseArgs } from 'node:util';
import { figureLines } from './fuzz-run';
import { fuzzSession } from './fuzz-session';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    failures: { type: 'string', default: '30' },
  },
});
const int = (name: string, raw: string, min: number) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
};
const requests = int('requests', values.requests!, 1);
const seed =
  values.seed !== undefined ? int('seed', values.seed, 0) : Math.floor(Math.random() * 2 ** 31);
const concurrency = int('concurrency', values.concurrency!, 1);
const shown = int('failures', values.failures!, 0);

const t0 = Date.now();
fuzzSession({ requests, seed, concurrency, log: (l) => console.error(l) }).then((f) => {
  console.log(`fuzz: seed ${seed} (replay with --seed ${seed} --requests ${requests})`);
  for (const l of figureLines(f)) console.log(l);
  console.log(`fuzz: seconds ${((Date.now() - t0) / 1000).toFixed(1)}`);
  for (const [k, n] of Object.entries(f.byMethodStatus).sort()) console.log(`fuzz: rpc ${k} ${n}`);
  for (const [m, ms] of Object.entries(f.msByMethod).sort((a, b) => b[1] - a[1]))
    console.log(`fuzz: time ${m} ${(ms / 1000).toFixed(1)} s`);
  for (const l of f.failures.slice(0, shown)) console.log(`fuzz: failure ${l}`);
  const bad =
    f.crashes +
    f.hangs +
    f.healthFailures +
    f.handlerInternal +
    f.serializationFailures +
    f.contractViolations;
  process.exit(bad ? 1 : 0);
});
