// `node --import tsx tools/soak/src/main.ts --kills 10 [--duration 900] [--seed N] [--epochs 16+48] [--memory-requests 16 --memory-concurrency 8]`:
// the soak/fault run; prints the figures one per line and exits 1 on any failure.
import { parseArgs } from 'node:util';
import { failuresOf, figureLines } from './soak-figures';
import { runSoak } from './soak-run';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '10' },
    duration: { type: 'string', default: '900' },
    seed: { type: 'string' },
    epochs: { type: 'string', default: '16+48' },
    'memory-requests': { type: 'string', default: '16' },
    'memory-concurrency': { type: 'string', default: '8' },
  },
});
const int = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
};
const m = /^(\d+)\+(\d+)$/.exec(values.epochs!);
if (!m) throw new Error(`--epochs must be E1+E2 (e.g. 3+6), got '${values.epochs}'`);
const seed =
  values.seed !== undefined ? int('seed', values.seed, 0) : Math.floor(Math.random() * 2 ** 31);

runSoak({
  kills: int('kills', values.kills!, 0),
  durationS: int('duration', values.duration!, 10),
  seed,
  epochs: { e1: int('epochs', m[1], 1), e2: int('epochs', m[2], 1) },
  memoryRequests: int('memory-requests', values['memory-requests']!, 1),
  memoryConcurrency: int('memory-concurrency', values['memory-concurrency']!, 1),
  log: (l) => console.error(l),
}).then(
  (f) => {
    for (const l of figureLines(f)) console.log(l);
    const bad = failuresOf(f);
    for (const b of bad) console.log(`soak: failure ${b}`);
    process.exit(bad.length ? 1 : 0);
  },
  (e: Error) => {
    console.error(`soak: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
