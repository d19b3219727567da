import { RunConfig } from '../run-config';
import { RunMethod } from '../run-methods';
import { PAPER_FAST_TRAINING, PAPER_LITTLE_DATA, PAPER_NETWORK_SIZES } from './paper-numbers';

export const EXPERIMENTS = ['fast-training', 'little-data', 'network-sizes'] as const;
export type Experiment = (typeof EXPERIMENTS)[number];
export const SCALES = ['smoke', 'mini', 'small', 'full'] as const;
export type Scale = (typeof SCALES)[number];

export const ALL_METHODS: RunMethod[] = [
  'none',
  'kd',
  'fitnets+kd',
  'fsp+kd',
  'at+kd',
  'jacobian+kd',
  'ab+kd',
];

/** One column of an experiment's table: what it changes in the base config. */
export interface Column {
  /** Store-safe key, e.g. `e1-5`, `f0.01`, `22-4_16-2`. */
  key: string;
  /** Header as the paper writes it (also the key into the paper's table when it has the column). */
  label: string;
  epochs?: { e1: number; e2: number };
  /** Share of the training set (stratified); 1 = all of it. */
  fraction?: number;
  teacher?: string;
  student?: string;
}

/** A grid at one scale: its columns and what every cell shares. */
export interface Grid {
  experiment: Experiment;
  scale: Scale;
  columns: Column[];
  methods: RunMethod[];
  seeds: number;
  /** Header of the column axis (paper's wording). */
  axis: string;
  /** Set on every cell's config (teacher epochs, student, data, batch …). */
  patch: (cfg: RunConfig) => RunConfig;
  paper: Record<string, Record<string, number>>;
}

const ep = (e1: number, e2: number): Column => ({
  key: `e${e1}-${e2}`,
  label: `${e1}+${e2}`,
  epochs: { e1, e2 },
});
const frac = (f: number): Column => ({
  key: `f${f}`,
  label: `${+(f * 100).toPrecision(3)}%`,
  fraction: f,
});
const pair = (label: string, teacher: string, student: string): Column => ({
  key: `${teacher}_${student}`.replace(/wrn-/g, ''),
  label,
  teacher,
  student,
});

/**
 * Teachers committed to the repository, by dataset (relative to the repository root). A scale
 * that names one uses it on that dataset instead of training a teacher; on other datasets the
 * scale's teacher is trained as usual.
 */
export const COMMITTED_TEACHERS: Record<string, { arch: string; path: string }> = {
  'fashion-mnist': { arch: 'wrn-16-2', path: 'builtin:fashion-mnist-wrn-16-2' },
};

/** Teacher/student/data/recipe shared by a scale (the config file gives the rest). */
function recipe(o: {
  teacher?: string;
  teacherEpochs?: number;
  committedTeacher?: boolean;
  demoRecipe?: boolean;
  student?: string;
  fraction?: number;
  count?: number;
  epochs?: [number, number];
  batchSize?: number;
  testEvery?: number;
}) {
  return (cfg: RunConfig): RunConfig => {
    const arch = o.teacher ?? cfg.teacher.arch;
    const committed = o.committedTeacher ? COMMITTED_TEACHERS[cfg.dataset.name] : undefined;
    const base = o.demoRecipe ? demoRecipe(cfg) : cfg;
    return {
      ...base,
      teacher: {
        ...base.teacher,
        arch,
        epochs: o.teacherEpochs ?? base.teacher.epochs,
        checkpoint: committed?.arch === arch ? committed.path : base.teacher.checkpoint,
      },
      student: { ...base.student, arch: o.student ?? base.student.arch },
      dataset: {
        ...base.dataset,
        subset: o.count
          ? { count: o.count, seed: 0 }
          : o.fraction !== undefined && o.fraction < 1
            ? { fraction: o.fraction, seed: 0 }
            : undefined,
      },
      epochs: o.epochs ? { e1: o.epochs[0], e2: o.epochs[1] } : base.epochs,
      train: {
        ...base.train,
        batchSize: o.batchSize ?? base.train.batchSize,
        testEvery: o.testEvery ?? base.train.testEvery,
      },
    };
  };
}

/**
 * The demo's recipe (configs/fashion-mnist/wrn-10-1-from-wrn-16-2-ab-demo.yaml; docs/design.md §9 (Reference results),
 * "per-step decay, KD·T², paper init" row): the learning rate decays every step and KD keeps
 * its T² factor. With the paper code's recipe (constant rate within the stage, KD without T²)
 * a budget of tens of steps leaves every KD-based student at chance (measured at 2 % data,
 * 1+1 epochs: KD 90.1 % error, no distillation 65.6 %).
 */
function demoRecipe(cfg: RunConfig): RunConfig {
  return {
    ...cfg,
    student: { ...cfg.student, init: 'paper' },
    kd: { ...cfg.kd, t2Factor: true },
    ab: { ...cfg.ab, schedule: 'per-step', resetOptimizer: false },
    train: { ...cfg.train, schedule: 'per-step' },
  };
}

const PAPER_PAIRS = [
  pair('Depth', 'wrn-22-4', 'wrn-10-4'),
  pair('Channel', 'wrn-16-4', 'wrn-16-2'),
  pair('Depth & Channel', 'wrn-22-4', 'wrn-16-2'),
  pair('Tiny network', 'wrn-22-4', 'wrn-10-1'),
  pair('Same network', 'wrn-16-4', 'wrn-16-4'),
];

/** The paper's compression types around the committed WRN-16-2 teacher (scale `mini`). */
const MINI_PAIRS = [
  pair('Depth', 'wrn-16-2', 'wrn-10-2'),
  pair('Channel', 'wrn-16-2', 'wrn-16-1'),
  pair('Depth & Channel', 'wrn-16-2', 'wrn-10-1'),
  pair('Same network', 'wrn-16-2', 'wrn-16-2'),
];

/**
 * The grids. `full` is the paper's (WRN-22-4 → WRN-16-2, batch 128, E₁+E₂ = 20+100 where the
 * paper fixes it: its 100 % column equals the 20+100 one; network sizes at 10 % data: its
 * Depth & Channel row equals the 10 % column). `small` fits a 2-core machine (the demo's
 * WRN-16-2 → WRN-10-1 of docs/design.md §9 (Reference results)). `mini` is `small` cut to what one 3-hour session of a
 * 2-core machine runs with 3 seeds: the committed WRN-16-2 teacher (no teacher training on
 * Fashion-MNIST), the demo's recipe, budgets of tens to hundreds of steps (fast training: 5 % of
 * the data, 1+1 and 1+5 epochs; little data: 0.1–1 %, 3+12), and for network sizes the paper's
 * compression types rebuilt around that teacher (5 %, 1+5; no pair is smaller than
 * WRN-16-2 → WRN-10-1, so the "Tiny network" row is absent). `smoke` is a minutes-long check of the whole path.
 */
export function gridOf(experiment: Experiment, scale: Scale): Grid {
  const g = GRIDS[experiment][scale];
  return { experiment, scale, ...g };
}

type GridBody = Omit<Grid, 'experiment' | 'scale'>;
const smokeRecipe = {
  teacher: 'wrn-10-1',
  teacherEpochs: 1,
  student: 'wrn-10-1',
  batchSize: 32,
  testEvery: 100,
};
const miniRecipe = {
  teacher: 'wrn-16-2',
  teacherEpochs: 8,
  committedTeacher: true,
  demoRecipe: true,
  student: 'wrn-10-1',
  batchSize: 128,
  testEvery: 100,
};
const smallRecipe = {
  teacher: 'wrn-16-2',
  teacherEpochs: 8,
  student: 'wrn-10-1',
  batchSize: 128,
  testEvery: 100,
};
const fullRecipe = {
  teacher: 'wrn-22-4',
  teacherEpochs: 200,
  student: 'wrn-16-2',
  batchSize: 128,
  testEvery: 10,
};

/** What a scale sets; the methods default to the experiment's. */
type ScaleBody = Pick<GridBody, 'columns' | 'seeds' | 'patch'> & { methods?: RunMethod[] };

/** One experiment at every scale: its axis, its table in the paper and its methods are shared. */
function experiment(
  axis: string,
  paper: GridBody['paper'],
  methods: RunMethod[],
  scales: Record<Scale, ScaleBody>,
): Record<Scale, GridBody> {
  const body = (b: ScaleBody): GridBody => ({
    axis,
    columns: b.columns,
    methods: b.methods ?? methods,
    seeds: b.seeds,
    patch: b.patch,
    paper,
  });
  return {
    smoke: body(scales.smoke),
    mini: body(scales.mini),
    small: body(scales.small),
    full: body(scales.full),
  };
}

const GRIDS: Record<Experiment, Record<Scale, GridBody>> = {
  'fast-training': experiment('Training epochs', PAPER_FAST_TRAINING, ALL_METHODS, {
    smoke: {
      columns: [ep(1, 1), ep(1, 2)],
      seeds: 1,
      patch: recipe({ ...smokeRecipe, count: 128 }),
    },
    mini: {
      columns: [ep(1, 1), ep(1, 5)],
      seeds: 3,
      patch: recipe({ ...miniRecipe, fraction: 0.05 }),
    },
    small: {
      columns: [ep(1, 1), ep(1, 5), ep(3, 12), ep(5, 25)],
      seeds: 3,
      patch: recipe({ ...smallRecipe, fraction: 0.1 }),
    },
    full: {
      columns: [ep(1, 1), ep(1, 5), ep(3, 12), ep(5, 25), ep(10, 50), ep(20, 100)],
      seeds: 3,
      patch: recipe({ ...fullRecipe }),
    },
  }),
  'little-data': experiment('Percentage of data', PAPER_LITTLE_DATA, ALL_METHODS, {
    smoke: {
      columns: [frac(0.2), frac(1)],
      seeds: 1,
      patch: recipe({ ...smokeRecipe, epochs: [1, 1] }),
    },
    mini: {
      columns: [frac(0.001), frac(0.005), frac(0.01)],
      seeds: 3,
      patch: recipe({ ...miniRecipe, epochs: [3, 12] }),
    },
    small: {
      columns: [frac(0.001), frac(0.01), frac(0.05), frac(0.1)],
      seeds: 3,
      patch: recipe({ ...smallRecipe, epochs: [5, 25] }),
    },
    full: {
      columns: [frac(0.001), frac(0.01), frac(0.05), frac(0.1), frac(0.2), frac(1)],
      seeds: 3,
      patch: recipe({ ...fullRecipe, epochs: [20, 100] }),
    },
  }),
  'network-sizes': experiment('Compression type', PAPER_NETWORK_SIZES, ['kd', 'ab+kd'], {
    smoke: {
      columns: [
        pair('Tiny (smoke)', 'wrn-10-2', 'wrn-10-1'),
        pair('Same (smoke)', 'wrn-10-1', 'wrn-10-1'),
      ],
      seeds: 1,
      patch: recipe({ ...smokeRecipe, count: 128, epochs: [1, 1] }),
    },
    mini: {
      columns: MINI_PAIRS,
      seeds: 1,
      patch: recipe({ ...miniRecipe, fraction: 0.05, epochs: [1, 5] }),
    },
    small: {
      columns: PAPER_PAIRS,
      seeds: 1,
      patch: recipe({ ...smallRecipe, teacherEpochs: 4, fraction: 0.1, epochs: [5, 25] }),
    },
    full: {
      columns: PAPER_PAIRS,
      methods: ALL_METHODS.filter((m) => m !== 'none'),
      seeds: 3,
      patch: recipe({ ...fullRecipe, fraction: 0.1, epochs: [20, 100] }),
    },
  }),
};

/** The config of one cell: base config → scale recipe → column → seed. */
export function cellConfig(base: RunConfig, grid: Grid, col: Column, seed: number): RunConfig {
  let cfg = grid.patch({ ...base, methods: grid.methods });
  if (col.epochs) cfg = { ...cfg, epochs: { ...col.epochs } };
  if (col.fraction !== undefined) {
    cfg = {
      ...cfg,
      dataset: {
        ...cfg.dataset,
        subset: col.fraction < 1 ? { fraction: col.fraction, seed } : undefined,
      },
    };
  } else if (cfg.dataset.subset)
    cfg = { ...cfg, dataset: { ...cfg.dataset, subset: { ...cfg.dataset.subset, seed } } };
  // A column's own teacher architecture is trained, unless it is the committed checkpoint's.
  if (col.teacher && col.teacher !== cfg.teacher.arch)
    cfg = { ...cfg, teacher: { ...cfg.teacher, arch: col.teacher, checkpoint: undefined } };
  if (col.student) cfg = { ...cfg, student: { ...cfg.student, arch: col.student } };
  return {
    ...cfg,
    name: `${cfg.name}/${col.key}/s${seed}`,
    seed,
    student: { ...cfg.student, seed },
  };
}
