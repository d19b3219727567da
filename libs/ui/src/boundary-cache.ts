import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArtifactStore, validateKey } from '@abd/artifacts';
import type { LoadedDataset } from '@abd/data';
import type { Student } from '@abd/models';
import {
  checkpointRef,
  getStudentCheckpoint,
  loadConfiguredDataset,
  loadRunForeignTeacher,
  loadTeacher,
  type RunConfig,
  type TeacherModel,
} from '@abd/train';

/** A model the view has loaded: a teacher (ours or a user's) or a student with its connectors. */
interface CachedModel {
  model: TeacherModel | Student;
  extra: Map<string, tf.Tensor>;
}

/** Loaded datasets, statistics and models, kept across requests (small LRU for the models). */
export class BoundaryCache {
  private readonly sets = new Map<string, Promise<LoadedDataset>>();
  private readonly models = new Map<string, CachedModel>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly repoRoot: string,
    private readonly maxModels = 6,
  ) {}

  /**
   * The run's data as the run loaded it (a built-in dataset by name or a format + path) and the
   * normalization it used (per-channel mean/std of its whole training split).
   */
  data(cfg: RunConfig): Promise<LoadedDataset> {
    const key = JSON.stringify(cfg.dataset);
    if (!this.sets.has(key)) {
      const p = loadConfiguredDataset(cfg.dataset);
      p.catch(() => this.sets.delete(key));
      this.sets.set(key, p);
    }
    return this.sets.get(key)!;
  }

  private remember(key: string, entry: CachedModel) {
    this.models.set(key, entry);
    while (this.models.size > this.maxModels) {
      const [oldest, e] = this.models.entries().next().value as [string, CachedModel];
      this.models.delete(oldest);
      e.model.dispose();
      for (const t of e.extra.values()) t.dispose();
    }
  }

  /**
   * A run's teacher: a user's model file (`teacher.format` + `path`, with its taps), else
   * `config.teacher.checkpoint` (`builtin:<name>`, a directory — older runs' relative to the
   * repo root — or a store key), else `runs/<id>/teacher`.
   */
  async teacher(runId: string, cfg: RunConfig): Promise<TeacherModel> {
    const ref = cfg.teacher.format
      ? `${cfg.teacher.format}:${cfg.teacher.path}:${cfg.teacher.taps?.join(',')}`
      : (cfg.teacher.checkpoint ?? `runs/${runId}/teacher`);
    const key = `teacher:${ref}`;
    const hit = this.models.get(key);
    if (hit) return hit.model as TeacherModel;
    let model: TeacherModel;
    if (cfg.teacher.format) {
      const { train, stats } = await this.data(cfg);
      model = (await loadRunForeignTeacher(cfg, train, stats)).teacher;
    } else {
      const where = checkpointRef(ref, this.repoRoot);
      const onDisk = where.kind === 'disk' && existsSync(resolve(where.dir, 'model.json'));
      if (!onDisk) validateKey(ref);
      model = await loadTeacher(ref, this.store, this.repoRoot);
    }
    this.remember(key, { model, extra: new Map() });
    return model;
  }

  /** A student checkpoint of any family (WRN, ResNet, a tfjs-layers architecture) with its connectors. */
  async student(dir: string): Promise<{ model: Student; extra: Map<string, tf.Tensor> }> {
    const key = `student:${dir}`;
    const hit = this.models.get(key);
    if (hit) return hit as { model: Student; extra: Map<string, tf.Tensor> };
    const loaded = await getStudentCheckpoint(this.store, validateKey(dir));
    const keep = new Map<string, tf.Tensor>();
    for (const [k, t] of loaded.extra) k.startsWith('extra/conn') ? keep.set(k, t) : t.dispose();
    const entry = { model: loaded.model, extra: keep };
    this.remember(key, entry);
    return entry;
  }

  dispose(): void {
    for (const e of this.models.values()) {
      e.model.dispose();
      for (const t of e.extra.values()) t.dispose();
    }
    this.models.clear();
  }
}
