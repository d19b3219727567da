import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ArtifactStore } from '@abd/artifacts';
import { DATASET_NAMES, datasetInfo, type DatasetName } from '@abd/data';
import { parseWrnName, wrnName } from '@abd/models';
import type { RunConfig } from './run-config';
import { ConfigError, type ConfigIssue } from './schema';

/** The committed teachers (`teacher.checkpoint: builtin:<name>`): assets/teachers/<name> of the repository. */
export const BUILTIN_TEACHERS_DIR = resolve(__dirname, '..', '..', '..', 'assets', 'teachers');
const BUILTIN = /^builtin:([A-Za-z0-9][A-Za-z0-9._-]*)$/;
/** Store keys a checkpoint may be: a published model, or a run's own (a sweep's trained teacher). */
const STORE_KEY = /^(models|runs)\/[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Where a `teacher.checkpoint` points: a directory on disk or a model in the store. */
export type CheckpointRef = { kind: 'disk'; dir: string } | { kind: 'store'; key: string };

/**
 * `builtin:<name>` is a committed teacher; `models/<id>` (or `runs/…`) is in the store unless such a
 * directory exists here; anything else is a directory, relative to `cwd` (as every path of a
 * config is), absolute paths as they are.
 */
export function checkpointRef(ref: string, cwd = process.cwd()): CheckpointRef {
  const b = BUILTIN.exec(ref);
  if (b) return { kind: 'disk', dir: join(BUILTIN_TEACHERS_DIR, b[1]) };
  const dir = resolve(cwd, ref);
  if (STORE_KEY.test(ref) && !existsSync(join(dir, 'model.json')))
    return { kind: 'store', key: ref };
  return { kind: 'disk', dir };
}

/**
 * The config with its relative paths (teacher.checkpoint, dataset.dir, dataset.path) made
 * absolute against `cwd`, so a run means the same files wherever it is resumed from; `builtin:`
 * and store references stay as they are.
 */
export function resolveRunPaths(cfg: RunConfig, cwd = process.cwd()): RunConfig {
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(cwd, p));
  const out: RunConfig = { ...cfg, dataset: { ...cfg.dataset }, teacher: { ...cfg.teacher } };
  if (cfg.dataset.dir !== undefined) out.dataset.dir = abs(cfg.dataset.dir);
  if (cfg.dataset.path !== undefined) out.dataset.path = abs(cfg.dataset.path);
  const ck = cfg.teacher.checkpoint;
  if (ck !== undefined) {
    const r = checkpointRef(ck, cwd);
    if (r.kind === 'disk' && !BUILTIN.test(ck)) out.teacher.checkpoint = r.dir;
  }
  return out;
}

interface Topology {
  depth?: number;
  widen?: number;
  inChannels?: number;
  numClasses?: number;
}

function topologyOf(json: unknown): Topology | undefined {
  const c = (json as { modelTopology?: { config?: Topology } } | undefined)?.modelTopology?.config;
  return c && typeof c.depth === 'number' && typeof c.widen === 'number' ? c : undefined;
}

/** The teacher checkpoint's issues: missing files, an arch or input the config does not match. */
async function teacherIssues(
  cfg: RunConfig,
  store: ArtifactStore | undefined,
  cwd: string,
): Promise<ConfigIssue[]> {
  const ck = cfg.teacher.checkpoint;
  if (ck === undefined) return [];
  const r = checkpointRef(ck, cwd);
  const at = (message: string): ConfigIssue[] => [
    { path: 'teacher.checkpoint', message: `'teacher.checkpoint': ${message}` },
  ];
  let json: unknown;
  let where: string;
  if (r.kind === 'disk') {
    where = r.dir;
    const missing = ['model.json', 'weights.bin']
      .map((f) => join(r.dir, f))
      .filter((f) => !existsSync(f));
    if (missing.length > 0) return at(`file not found: ${missing[0]}`);
    try {
      json = JSON.parse(readFileSync(join(r.dir, 'model.json'), 'utf8'));
    } catch (e) {
      return at(`${join(r.dir, 'model.json')} is not a checkpoint: ${(e as Error).message}`);
    }
  } else {
    if (!store) return [];
    where = `${store.url}/${r.key}`;
    if (!(await store.exists(`${r.key}/model.json`)))
      return at(`not found: ${r.key}/model.json in the store ${store.url}`);
    json = JSON.parse(Buffer.from(await store.get(`${r.key}/model.json`)).toString('utf8'));
  }
  const topo = topologyOf(json);
  if (!topo) return at(`${where}/model.json has no WRN topology (depth, widen)`);
  const want = parseWrnName(cfg.teacher.arch);
  const out: ConfigIssue[] = [];
  const has = wrnName({ depth: topo.depth!, widen: topo.widen! });
  if (want.depth !== topo.depth || want.widen !== topo.widen) {
    out.push({
      path: 'teacher.arch',
      message: `'teacher.arch' is ${wrnName(want)} but the checkpoint ${where} is ${has}`,
    });
  }
  if (
    cfg.dataset.format === undefined &&
    (DATASET_NAMES as readonly string[]).includes(cfg.dataset.name)
  ) {
    const info = datasetInfo(cfg.dataset.name as DatasetName);
    if (topo.inChannels !== undefined && topo.inChannels !== info.channels) {
      out.push({
        path: 'teacher.checkpoint',
        message: `'teacher.checkpoint' ${where} takes ${topo.inChannels}-channel images, ${cfg.dataset.name} has ${info.channels}`,
      });
    }
    if (topo.numClasses !== undefined && topo.numClasses !== info.classes) {
      out.push({
        path: 'teacher.checkpoint',
        message: `'teacher.checkpoint' ${where} has ${topo.numClasses} classes, ${cfg.dataset.name} has ${info.classes}`,
      });
    }
  }
  return out;
}

/**
 * The checks of a run that need files or a model, done before any data is loaded or trained:
 * every path exists, and the teacher checkpoint is the `teacher.arch` for the dataset's images
 * and classes. Throws one ConfigError listing them all. Paths are relative to `cwd`.
 */
export async function preflightRun(
  cfg: RunConfig,
  opts: { store?: ArtifactStore; cwd?: string } = {},
): Promise<void> {
  const cwd = opts.cwd ?? process.cwd();
  const issues: ConfigIssue[] = [];
  for (const key of ['dir', 'path'] as const) {
    const p = cfg.dataset[key];
    if (p !== undefined && !existsSync(resolve(cwd, p)))
      issues.push({
        path: `dataset.${key}`,
        message: `'dataset.${key}': file not found: ${resolve(cwd, p)}`,
      });
  }
  issues.push(...(await teacherIssues(cfg, opts.store, cwd)));
  if (issues.length > 0) throw new ConfigError(issues);
}
