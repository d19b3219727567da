import { ArtifactStore } from '@abd/artifacts';
import { channelStats, DatasetName, ImageSet, loadDataset, subsetIndices } from '@abd/data';
import { EventSink } from '../events';
import { MethodResult, runPipeline } from '../run';
import type { RunData } from '../run-data';
import { configDiff, describeDiff } from '../run-store';
import { RunConfig } from '../run-config';
import { RunMethod } from '../run-methods';
import { trainTeacher } from '../teacher';
import { TeacherPassCount } from '../teacher-passes';
import { teacherCacheBytesFromEnv, TeacherOutputCache } from '../teacher-output-cache';
import { cellConfig, Column, Experiment, Grid, gridOf, Scale } from './grids';

/** One finished cell: a column of the grid, one seed, every method of the grid. */
export interface CellResult {
  experiment: Experiment;
  column: Column;
  seed: number;
  config: RunConfig;
  teacher: { arch: string; errorPct: number; source: string };
  trainSize: number;
  results: Pick<MethodResult, 'method' | 'errorPct' | 'testLoss' | 'similarity' | 'seconds'>[];
}

/** Median and spread over seeds of one method in one column. */
export interface Aggregate {
  column: string;
  method: RunMethod;
  n: number;
  median: number;
  min: number;
  max: number;
  errors: number[];
}

export interface SweepResult {
  experiment: Experiment;
  scale: Scale;
  dataset: string;
  seeds: number[];
  grid: { axis: string; columns: Column[]; methods: RunMethod[] };
  cells: CellResult[];
  aggregates: Aggregate[];
  /** Cells found finished in the store (not rerun). */
  skipped: string[];
  cancelled: boolean;
  /** Images the cells run in this call put through their teachers (teacher training aside). */
  teacherPasses: number;
}

export interface SweepOptions {
  experiment: Experiment;
  scale: Scale;
  /** The experiment's config (configs/repro/<experiment>.yaml): recipe and dataset. */
  base: RunConfig;
  store: ArtifactStore;
  /** Seeds 1..n; default the grid's. */
  seeds?: number;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** One line per cell: started / skipped / done. */
  log?: (line: string) => void;
  /** Teacher outputs shared by the cells; default a new cache (ABD_TEACHER_CACHE_MB, else 256 MiB). */
  teacherOutputs?: TeacherOutputCache;
  /** Directory a committed teacher checkpoint (a scale's `checkpoint`) is resolved against: the repository root. */
  baseDir?: string;
}

/** Store prefix of a sweep: `repro/<experiment>/<dataset>/<scale>`. */
export function sweepPrefix(experiment: Experiment, dataset: string, scale: Scale): string {
  return `repro/${experiment}/${dataset}/${scale}`;
}

/**
 * Runs every (column, seed) cell of an experiment's grid: each cell is one runPipeline run of
 * all the grid's methods from the same seed (student init, data order and subset). A cell whose
 * JSON is in the store is not rerun; a cell stopped half-way resumes from its checkpoints
 * (runPipeline). Teachers are trained once per (dataset, arch, epochs) and shared by all cells.
 */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const grid: Grid = gridOf(o.experiment, o.scale);
  const dataset = o.base.dataset.name;
  const prefix = sweepPrefix(o.experiment, dataset, o.scale);
  const seeds = Array.from({ length: o.seeds ?? grid.seeds }, (_, i) => i + 1);
  const log = o.log ?? (() => {});
  const opts = o.base.dataset.dir ? { dir: o.base.dataset.dir } : {};
  const [train, test] = await Promise.all([
    loadDataset(dataset as DatasetName, 'train', opts),
    loadDataset(dataset as DatasetName, 'test', opts),
  ]);
  const stats = channelStats(train);
  const cells: CellResult[] = [];
  const skipped: string[] = [];
  let cancelled = false;
  const passes: TeacherPassCount = { images: 0 };
  // One cache for every cell: cells with the same teacher, data, subset and seed (a grid's
  // columns over students, the methods of a cell) compute each teacher output once.
  const teacherOutputs = o.teacherOutputs ?? new TeacherOutputCache(teacherCacheBytesFromEnv());
  outer: for (const col of grid.columns) {
    for (const seed of seeds) {
      const id = `${col.key}-s${seed}`;
      const key = `${prefix}/cells/${id}.json`;
      let cfg = cellConfig(o.base, grid, col, seed);
      if (await o.store.exists(key)) {
        const done = await o.store.getJson<CellResult>(key);
        // A finished cell counts only for the grid it was run with (the teacher's location aside).
        const diff = configDiff(withoutCheckpoint(done.config), withoutCheckpoint(cfg));
        if (diff.length > 0) {
          throw new Error(
            `${o.experiment} ${id}: the stored cell was run with another config (${describeDiff(diff)} differ); rerun with --fresh to start the sweep over`,
          );
        }
        cells.push(done);
        skipped.push(id);
        log(`${o.experiment} ${id}: finished before, skipped`);
        continue;
      }
      const teacherKey = await ensureTeacher(cfg, train, test, stats, o);
      if (!teacherKey) {
        cancelled = true;
        break outer;
      }
      cfg = { ...cfg, teacher: { ...cfg.teacher, checkpoint: teacherKey } };
      log(
        `${o.experiment} ${id}: ${cfg.methods.join(', ')}; ${cfg.teacher.arch} → ${cfg.student.arch}, E₁+E₂ = ${cfg.epochs.e1}+${cfg.epochs.e2}`,
      );
      const runId = `${prefix.replace(/\//g, '--')}--${id}`;
      const before = passes.images;
      const r = await runPipeline(
        cfg,
        {
          store: o.store,
          runId,
          signal: o.signal,
          onEvent: o.onEvent,
          baseDir: o.baseDir,
          teacherPasses: passes,
          teacherOutputs,
        },
        runData(cfg, train, test, stats),
      );
      log(`${o.experiment} ${id}: ${passes.images - before} images through the teacher`);
      if (r.cancelled) {
        cancelled = true;
        break outer;
      }
      const cell: CellResult = {
        experiment: o.experiment,
        column: col,
        seed,
        config: cfg,
        teacher: r.teacher,
        trainSize: r.trainSize,
        results: r.results.map(({ method, errorPct, testLoss, similarity, seconds }) => ({
          method,
          errorPct,
          testLoss,
          similarity,
          seconds,
        })),
      };
      await o.store.putJson(key, cell);
      cells.push(cell);
    }
  }
  return {
    experiment: o.experiment,
    scale: o.scale,
    dataset,
    seeds,
    grid: { axis: grid.axis, columns: grid.columns, methods: grid.methods },
    cells,
    aggregates: aggregate(cells),
    skipped,
    cancelled,
    teacherPasses: passes.images,
  };
}

function withoutCheckpoint(cfg: RunConfig): unknown {
  return JSON.parse(JSON.stringify({ ...cfg, teacher: { ...cfg.teacher, checkpoint: undefined } }));
}

function runData(
  cfg: RunConfig,
  train: ImageSet,
  test: ImageSet,
  stats: RunData['stats'],
): RunData {
  // The same rule as `abd run`: a grid's count above the dataset's size is an error.
  return { train, test, stats, indices: subsetIndices(train, cfg.dataset.subset) };
}

/** The cell's committed teacher, or trains (or finds) one in the store; its key, or null when cancelled. */
async function ensureTeacher(
  cfg: RunConfig,
  train: ImageSet,
  test: ImageSet,
  stats: RunData['stats'],
  o: SweepOptions,
): Promise<string | null> {
  const t = cfg.teacher;
  if (t.checkpoint) return t.checkpoint;
  const key = `repro/teachers/${cfg.dataset.name}-${t.arch}-${t.epochs}ep-${t.init}-s${t.seed}`;
  if (await o.store.exists(`${key}/model.json`)) return key;
  o.log?.(`teacher ${t.arch}: training ${t.epochs} epoch(s) on ${train.n} images → ${key}`);
  const r = await trainTeacher(cfg, train, test, stats, o.store, key, {
    store: o.store,
    signal: o.signal,
    onEvent: o.onEvent,
  });
  r.model.dispose();
  return r.cancelled ? null : key;
}

/** Median, min and max over seeds per (column, method). */
export function aggregate(cells: CellResult[]): Aggregate[] {
  const by = new Map<string, Aggregate>();
  for (const c of cells) {
    for (const r of c.results) {
      const k = `${c.column.key}\u0000${r.method}`;
      const a = by.get(k) ?? {
        column: c.column.key,
        method: r.method,
        n: 0,
        median: NaN,
        min: NaN,
        max: NaN,
        errors: [],
      };
      a.errors.push(r.errorPct);
      by.set(k, a);
    }
  }
  for (const a of by.values()) {
    const s = [...a.errors].sort((x, y) => x - y);
    a.n = s.length;
    a.min = s[0];
    a.max = s[s.length - 1];
    a.median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
  return [...by.values()];
}
