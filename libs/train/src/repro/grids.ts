import { RunConfig, RunMethod } from '../run-config';
import { PAPER_FAST_TRAINING, PAPER_LITTLE_DATA, PAPER_NETWORK_SIZES } from './paper-numbers';

export const EXPERIMENTS = ['fast-training', 'little-data', 'network-sizes'] as const;
export type Experiment = (typeof EXPERIMENTS)[number];
export const SCALES = ['smoke', 'small', 'full'] as const;
export type Scale = (typeof SCALES)[number];

export const ALL_METHODS: RunMethod[] = ['none', 'kd', 'fitnets+kd', 'fsp+kd', 'at+kd', 'jacobian+kd', 'ab+kd'];

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

const ep = (e1: number, e2: number): Column => ({ key: `e${e1}-${e2}`, label: `${e1}+${e2}`, epochs: { e1, e2 } });
const frac = (f: number): Column => ({ key: `f${f}`, label: `${+(f * 100).toPrecision(3)}%`, fraction: f });
const pair = (label: string, teacher: string, student: string): Column => ({
  key: `${teacher}_${student}`.replace(/wrn-/g, ''),
  label,
  teacher,
  student,
});

/** Teacher/student/data/recipe shared by a scale (the config file gives the rest). */
function recipe(o: { teacher?: string; teacherEpochs?: number; student?: string; fraction?: number; count?: number; epochs?: [number, number]; batchSize?: number; testEvery?: number }) {
  return (cfg: RunConfig): RunConfig => ({
    ...cfg,
    teacher: { ...cfg.teacher, arch: o.teacher ?? cfg.teacher.arch, epochs: o.teacherEpochs ?? cfg.teacher.epochs },
    student: { ...cfg.student, arch: o.student ?? cfg.student.arch },
    dataset: {
      ...cfg.dataset,
      subset: o.count ? { count: o.count, seed: 0 } : o.fraction !== undefined && o.fraction < 1 ? { fraction: o.fraction, seed: 0 } : undefined,
    },
    epochs: o.epochs ? { e1: o.epochs[0], e2: o.epochs[1] } : cfg.epochs,
    train: { ...cfg.train, batchSize: o.batchSize ?? cfg.train.batchSize, testEvery: o.testEvery ?? cfg.train.testEvery },
  });
}

const PAPER_PAIRS = [
  pair('Depth', 'wrn-22-4', 'wrn-10-4'),
  pair('Channel', 'wrn-16-4', 'wrn-16-2'),
  pair('Depth & Channel', 'wrn-22-4', 'wrn-16-2'),
  pair('Tiny network', 'wrn-22-4', 'wrn-10-1'),
  pair('Same network', 'wrn-16-4', 'wrn-16-4'),
];

/**
 * The grids. `full` is the paper's (WRN-22-4 → WRN-16-2, batch 128, E₁+E₂ = 20+100 where the
 * paper fixes it: its 100 % column equals the 20+100 one; network sizes at 10 % data: its
 * Depth & Channel row equals the 10 % column). `small` fits a 2-core machine (the demo's
 * WRN-16-2 → WRN-10-1 of DESIGN §8). `smoke` is a minutes-long check of the whole path.
 */
export function gridOf(experiment: Experiment, scale: Scale): Grid {
  const g = GRIDS[experiment][scale];
  return { experiment, scale, ...g };
}

type GridBody = Omit<Grid, 'experiment' | 'scale'>;
const smokeRecipe = { teacher: 'wrn-10-1', teacherEpochs: 1, student: 'wrn-10-1', batchSize: 32, testEvery: 100 };
const smallRecipe = { teacher: 'wrn-16-2', teacherEpochs: 8, student: 'wrn-10-1', batchSize: 128, testEvery: 100 };
const fullRecipe = { teacher: 'wrn-22-4', teacherEpochs: 200, student: 'wrn-16-2', batchSize: 128, testEvery: 10 };

const GRIDS: Record<Experiment, Record<Scale, GridBody>> = {
  'fast-training': {
    smoke: { axis: 'Training epochs', columns: [ep(1, 1), ep(1, 2)], methods: ALL_METHODS, seeds: 1, patch: recipe({ ...smokeRecipe, count: 128 }), paper: PAPER_FAST_TRAINING },
    small: {
      axis: 'Training epochs',
      columns: [ep(1, 1), ep(1, 5), ep(3, 12), ep(5, 25)],
      methods: ALL_METHODS,
      seeds: 3,
      patch: recipe({ ...smallRecipe, fraction: 0.1 }),
      paper: PAPER_FAST_TRAINING,
    },
    full: {
      axis: 'Training epochs',
      columns: [ep(1, 1), ep(1, 5), ep(3, 12), ep(5, 25), ep(10, 50), ep(20, 100)],
      methods: ALL_METHODS,
      seeds: 3,
      patch: recipe({ ...fullRecipe }),
      paper: PAPER_FAST_TRAINING,
    },
  },
  'little-data': {
    smoke: { axis: 'Percentage of data', columns: [frac(0.2), frac(1)], methods: ALL_METHODS, seeds: 1, patch: recipe({ ...smokeRecipe, epochs: [1, 1] }), paper: PAPER_LITTLE_DATA },
    small: {
      axis: 'Percentage of data',
      columns: [frac(0.001), frac(0.01), frac(0.05), frac(0.1)],
      methods: ALL_METHODS,
      seeds: 3,
      patch: recipe({ ...smallRecipe, epochs: [5, 25] }),
      paper: PAPER_LITTLE_DATA,
    },
    full: {
      axis: 'Percentage of data',
      columns: [frac(0.001), frac(0.01), frac(0.05), frac(0.1), frac(0.2), frac(1)],
      methods: ALL_METHODS,
      seeds: 3,
      patch: recipe({ ...fullRecipe, epochs: [20, 100] }),
      paper: PAPER_LITTLE_DATA,
    },
  },
  'network-sizes': {
    smoke: {
      axis: 'Compression type',
      columns: [pair('Tiny (smoke)', 'wrn-10-2', 'wrn-10-1'), pair('Same (smoke)', 'wrn-10-1', 'wrn-10-1')],
      methods: ['kd', 'ab+kd'],
      seeds: 1,
      patch: recipe({ ...smokeRecipe, count: 128, epochs: [1, 1] }),
      paper: PAPER_NETWORK_SIZES,
    },
    small: {
      axis: 'Compression type',
      columns: PAPER_PAIRS,
      methods: ['kd', 'ab+kd'],
      seeds: 1,
      patch: recipe({ ...smallRecipe, teacherEpochs: 4, fraction: 0.1, epochs: [5, 25] }),
      paper: PAPER_NETWORK_SIZES,
    },
    full: {
      axis: 'Compression type',
      columns: PAPER_PAIRS,
      methods: ALL_METHODS.filter((m) => m !== 'none'),
      seeds: 3,
      patch: recipe({ ...fullRecipe, fraction: 0.1, epochs: [20, 100] }),
      paper: PAPER_NETWORK_SIZES,
    },
  },
};

/** The config of one cell: base config → scale recipe → column → seed. */
export function cellConfig(base: RunConfig, grid: Grid, col: Column, seed: number): RunConfig {
  let cfg = grid.patch({ ...base, methods: grid.methods });
  if (col.epochs) cfg = { ...cfg, epochs: { ...col.epochs } };
  if (col.fraction !== undefined) {
    cfg = { ...cfg, dataset: { ...cfg.dataset, subset: col.fraction < 1 ? { fraction: col.fraction, seed } : undefined } };
  } else if (cfg.dataset.subset) cfg = { ...cfg, dataset: { ...cfg.dataset, subset: { ...cfg.dataset.subset, seed } } };
  if (col.teacher) cfg = { ...cfg, teacher: { ...cfg.teacher, arch: col.teacher } };
  if (col.student) cfg = { ...cfg, student: { ...cfg.student, arch: col.student } };
  return { ...cfg, name: `${cfg.name}/${col.key}/s${seed}`, seed, student: { ...cfg.student, seed } };
}
