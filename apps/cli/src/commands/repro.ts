import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DATASET_NAMES } from '@abd/data';
import { EXPERIMENTS, Experiment, gridOf, runRepro, Scale, SCALES } from '@abd/train';
import { checkFlags, num, ParsedArgs, str, UsageError } from '../args';
import { confirmDestructive, rerunCommand } from '../confirm';
import { backendOf, REPO_ROOT, storeOf } from '../context';
import { consoleReporter, interruptSignal } from '../progress';
import { readConfig } from './run';

export const REPRO_USAGE = `usage: abd repro <${EXPERIMENTS.join('|')}> [--dataset ${['fashion-mnist', 'cifar10'].join('|')}] [--scale ${SCALES.join('|')}] [--seeds N]
                 [--config FILE] [--data-dir DIR] [--out DIR] [--store URL] [--backend NAME] [--fresh] [--quiet]`;

const FLAGS = [
  'dataset',
  'scale',
  'seeds',
  'config',
  'data-dir',
  'out',
  'store',
  'backend',
  'fresh',
  'yes',
  'quiet',
] as const;

/**
 * `abd repro <experiment>`: the paper's experiment as a sweep of cells (grid column × seed), each
 * a run of every method; finished cells are kept in the store and skipped on a rerun. Writes
 * the table (Markdown, paper layout, paper's numbers beside ours), the plot (SVG) and every
 * cell (JSON) to the store and to --out (default docs/results).
 */
export async function reproCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, FLAGS, 'repro');
  const experiment = args.positionals[0] as Experiment;
  if (!EXPERIMENTS.includes(experiment))
    throw new UsageError(`abd repro: unknown experiment '${experiment ?? ''}'\n${REPRO_USAGE}`);
  const scale = (str(args, 'scale') ?? 'small') as Scale;
  if (!SCALES.includes(scale))
    throw new UsageError(`abd repro: --scale must be one of ${SCALES.join(', ')}; got '${scale}'`);
  const dataset = str(args, 'dataset') ?? 'fashion-mnist';
  if (!DATASET_NAMES.includes(dataset as never))
    throw new UsageError(
      `abd repro: --dataset must be one of ${DATASET_NAMES.join(', ')}; got '${dataset}'`,
    );
  const seeds = num(args, 'seeds');
  if (seeds !== undefined && !(Number.isInteger(seeds) && seeds >= 1))
    throw new UsageError(`abd repro: --seeds must be an integer ≥ 1, got ${seeds}`);
  const { cfg, baseDir } = readConfig(
    resolve(str(args, 'config') ?? join(REPO_ROOT, 'configs', 'repro', `${experiment}.yaml`)),
  );
  const dataDir = str(args, 'data-dir');
  // CIFAR-10 is augmented with flips (the paper); Fashion-MNIST as the config says.
  const base = {
    ...cfg,
    dataset: { ...cfg.dataset, name: dataset, ...(dataDir ? { dir: resolve(dataDir) } : {}) },
    train: {
      ...cfg.train,
      augment: {
        ...cfg.train.augment,
        flip: dataset === 'cifar10' ? true : cfg.train.augment.flip,
      },
    },
  };
  const info = await backendOf(args);
  const store = storeOf(args);
  if (args.flags.has('fresh')) {
    // The sweep's cells and their runs' checkpoints (run ids `repro--<experiment>--<dataset>--<scale>--…`).
    const files = [];
    for (const p of [
      `repro/${experiment}/${dataset}/${scale}/`,
      `runs/repro--${experiment}--${dataset}--${scale}--`,
    ])
      files.push(...(await store.list(p)));
    if (files.length > 0) {
      if (
        !(await confirmDestructive(
          args,
          'repro',
          `the ${files.length} stored files of ${experiment}/${dataset}/${scale} in ${store.url}`,
        ))
      ) {
        throw new UsageError('abd repro: not confirmed; nothing was deleted');
      }
      for (const o of files) await store.delete(o.key);
    }
  }
  const grid = gridOf(experiment, scale);
  const n = seeds ?? grid.seeds;
  console.log(
    `abd repro ${experiment}: ${dataset}, scale ${scale}, ${grid.columns.length} column(s) × ${n} seed(s), methods ${grid.methods.join(', ')}; ` +
      `${info.backend}${info.native?.loaded ? ' + native kernels' : ''}; store ${store.url}`,
  );
  const command = [
    'abd repro',
    experiment,
    `--dataset ${dataset}`,
    `--scale ${scale}`,
    `--seeds ${n}`,
  ].join(' ');
  const t0 = performance.now();
  const reporter = consoleReporter({ quiet: args.flags.has('quiet') });
  const out = await runRepro({
    experiment,
    scale,
    base,
    store,
    seeds: n,
    outDir: resolve(str(args, 'out') ?? join(REPO_ROOT, 'docs', 'results')),
    command,
    baseDir,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      backend: info.backend,
      native: !!info.native?.loaded,
      node: process.version,
    },
    signal: interruptSignal(),
    onEvent: reporter,
    log: (l) => reporter.log(`\n-- ${l}`),
  }).finally(() => reporter.close());
  console.log(`\n${out.markdown}`);
  const min = (performance.now() - t0) / 60000;
  const rerun = rerunCommand(process.argv.slice(2), { store: store.url, backend: info.backend });
  console.log(`teacher passes: ${out.result.teacherPasses} images through the teacher`);
  console.log(
    `${out.result.cancelled ? `stopped; rerun \`${rerun}\` to resume` : 'done'} in ${min.toFixed(1)} min; wrote:\n  ${out.written.join('\n  ')}`,
  );
  if (out.result.cancelled) process.exitCode = 130;
}
