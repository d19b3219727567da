import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArtifactStore } from '@abd/artifacts';
import type { ChannelStats } from '@abd/data';
import {
  loadForeignTeacher,
  teacherFormatOf,
  TeacherFormatError,
  type ForeignTeacher,
} from '@abd/models';
import type { TeacherFormat } from './model-config';
import type { RunConfig } from './run-config';

/** The descriptor of a user's teacher in the store: `models/<id>/foreign-teacher.json`. */
export const FOREIGN_TEACHER_JSON = 'foreign-teacher.json';
const KIND = 'abd-foreign-teacher/v1';

/**
 * What a service needs to run a user's teacher as the run does: its files (under
 * `models/<id>/files/`), taps, and the normalization, shape and classes of the run's data.
 */
export interface ForeignTeacherDescriptor {
  format: typeof KIND;
  teacher: {
    format: TeacherFormat;
    /** The model file under files/: `model.onnx` or `model.json` (a tfjs model, with its shards). */
    file: string;
    taps: string[];
    layout?: 'nchw' | 'nhwc';
    logits?: string;
    /** Where it was published from (a label). */
    source: string;
  };
  dataset: string;
  /** [h, w, c] of one input image. */
  inputShape: [number, number, number];
  classes: string[];
  /** The run's statistics: a service normalizes with these, as the in-process pipeline does. */
  normalization: ChannelStats;
}

/** The data a published teacher is run on: the shape, classes and statistics of the training split. */
export interface ForeignTeacherData {
  name: string;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  stats: ChannelStats;
}

/** The files of the model at `path`: the .onnx file, or model.json and the shards its weightsManifest lists. */
async function modelFiles(path: string): Promise<{ main: string; files: string[]; dir: string }> {
  const { format, file } = teacherFormatOf(path);
  const dir = dirname(file);
  if (format === 'onnx') return { main: 'model.onnx', files: [file], dir };
  const json = JSON.parse(await readFile(file, 'utf8')) as {
    weightsManifest?: { paths?: string[] }[];
  };
  const shards = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
  for (const s of shards) {
    // A shard outside the model's directory would be published under another key (or escape it).
    if (s.startsWith('/') || s.split('/').includes('..'))
      throw new TeacherFormatError(`${file}: weight shard '${s}' is outside the model's directory`);
  }
  return { main: 'model.json', files: [file, ...shards.map((s) => join(dir, s))], dir };
}

/**
 * Puts a run's own teacher (`cfg.teacher.format` + `path`) into the store as `models/<id>`: its
 * files and a descriptor with its taps and the run's data statistics, so teacher-inference
 * replicas load it from the store like our checkpoints (no shared volume needed for them).
 */
export async function publishForeignTeacher(
  store: ArtifactStore,
  id: string,
  cfg: RunConfig,
  data: ForeignTeacherData,
): Promise<ForeignTeacherDescriptor> {
  const t = cfg.teacher;
  if (!t.format || !t.path || !t.taps)
    throw new Error('publishForeignTeacher: not a foreign teacher');
  const { main, files, dir } = await modelFiles(resolve(t.path));
  for (const [i, f] of files.entries()) {
    const name = i === 0 ? main : f.slice(dir.length + 1);
    await store.put(`models/${id}/files/${name}`, await readFile(f));
  }
  const desc: ForeignTeacherDescriptor = {
    format: KIND,
    teacher: {
      format: t.format,
      file: main,
      taps: [...t.taps],
      layout: t.layout,
      logits: t.logits,
      source: basename(t.path),
    },
    dataset: data.name,
    inputShape: [data.height, data.width, data.channels],
    classes: [...data.classNames],
    normalization: data.stats,
  };
  // Written last: a reader that finds the descriptor finds every file.
  await store.putJson(`models/${id}/${FOREIGN_TEACHER_JSON}`, desc);
  return desc;
}

/** The descriptor at `models/<id>` (key = `models/<id>`), or undefined when that model is not a foreign teacher. */
export async function storedForeignTeacherDescriptor(
  store: ArtifactStore,
  key: string,
): Promise<ForeignTeacherDescriptor | undefined> {
  const at = `${key}/${FOREIGN_TEACHER_JSON}`;
  if (!(await store.exists(at))) return undefined;
  const d = await store.getJson<ForeignTeacherDescriptor>(at);
  if (d.format !== KIND)
    throw new TeacherFormatError(`${at}: unknown format '${String(d.format)}' (expected ${KIND})`);
  return d;
}

/**
 * Loads a published foreign teacher with the same loader as the in-process pipeline: its files
 * are copied to a temporary directory (removed once loaded; both runtimes hold the model in memory).
 */
export async function loadStoredForeignTeacher(
  store: ArtifactStore,
  key: string,
  d: ForeignTeacherDescriptor,
): Promise<ForeignTeacher> {
  const tmp = await mkdtemp(join(tmpdir(), 'abd-teacher-'));
  try {
    const prefix = `${key}/files/`;
    for (const o of await store.list(prefix)) {
      const out = join(tmp, o.key.slice(prefix.length));
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, await store.get(o.key));
    }
    return await loadForeignTeacher(join(tmp, d.teacher.file), {
      taps: d.teacher.taps,
      layout: d.teacher.layout,
      logits: d.teacher.logits,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
