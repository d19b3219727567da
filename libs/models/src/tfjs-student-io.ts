// A tfjs-layers student in and out: its checkpoint (topology + taps + weights by name) and a
// user's architecture file, built and checked against the data.
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  CheckpointJson,
  parseCheckpoint,
  serializeCheckpoint,
  SerializedCheckpoint,
} from './checkpoint';
import { TeacherFormatError } from './foreign-teacher';
import { initTfjsWeights, TfjsLayersStudent } from './tfjs-student';

/** Serializes a tfjs-layers student: its topology and taps as the checkpoint topology, its weights (+ extra tensors) by name. */
export function saveTfjsStudent(
  s: TfjsLayersStudent,
  metadata: Record<string, unknown>,
  extra: Map<string, tf.Tensor> = new Map(),
): Promise<SerializedCheckpoint> {
  const all = new Map<string, tf.Tensor>([...s.params, ...s.stats]);
  for (const [k, v] of extra) {
    if (all.has(k)) throw new CheckpointError(`extra tensor '${k}' collides with a model tensor`);
    all.set(k, v);
  }
  return serializeCheckpoint(
    all,
    { class_name: 'TfjsLayers', config: { topology: s.topology, taps: s.tapNames } },
    metadata,
  );
}

/** Builds a tfjs-layers student from checkpoint bytes (verified first); other tensors come back in `extra`. */
export async function loadTfjsStudent(
  jsonText: string,
  weights: Uint8Array,
  source = 'checkpoint',
): Promise<{ model: TfjsLayersStudent; json: CheckpointJson; extra: Map<string, tf.Tensor> }> {
  const { json, tensors } = parseCheckpoint(jsonText, weights, source);
  const cfg = json.modelTopology.config as { topology?: Record<string, unknown>; taps?: string[] };
  if (json.modelTopology.class_name !== 'TfjsLayers' || !cfg.topology || !Array.isArray(cfg.taps)) {
    for (const t of tensors.values()) t.dispose();
    throw new CheckpointError(`${source}: not a tfjs-layers student checkpoint`);
  }
  let model: TfjsLayersStudent;
  try {
    model = await TfjsLayersStudent.create(cfg.topology, cfg.taps, source);
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  const extra = new Map<string, tf.Tensor>();
  try {
    for (const [k, v] of [...model.params, ...model.stats]) {
      const t = tensors.get(k);
      if (!t || t.shape.join(',') !== v.shape.join(','))
        throw new CheckpointError(
          `${source}: tensor '${k}' ${t ? `has shape [${t.shape}], the model needs [${v.shape}]` : 'is missing'}`,
        );
      v.assign(t);
    }
  } catch (e) {
    model.dispose();
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  for (const [k, t] of tensors) {
    if (model.params.has(k) || model.stats.has(k)) t.dispose();
    else extra.set(k, t);
  }
  return { model, json, extra };
}

/**
 * A tfjs-layers student from an architecture file (`model.json` or its directory; its weights, if
 * any, are not used): built, checked against the data (input [?, h, w, c], `classes` logits) and
 * given seeded weights.
 */
export async function loadTfjsStudentArch(
  path: string,
  taps: readonly string[],
  seed: number,
  data: { height: number; width: number; channels: number; classes: number },
): Promise<TfjsLayersStudent> {
  const { existsSync, readFileSync, statSync } = await import('node:fs');
  const file = existsSync(path) && statSync(path).isDirectory() ? `${path}/model.json` : path;
  let topology: Record<string, unknown>;
  try {
    topology = (
      JSON.parse(readFileSync(file, 'utf8')) as { modelTopology: Record<string, unknown> }
    ).modelTopology;
  } catch (e) {
    throw new TeacherFormatError(
      `student ${path}: cannot read a tfjs model.json (${(e as Error).message})`,
    );
  }
  if (!topology || typeof topology !== 'object')
    throw new TeacherFormatError(
      `student ${file}: no modelTopology (a tfjs LayersModel model.json)`,
    );
  const s = await TfjsLayersStudent.create(topology, taps, `student ${file}`);
  const [, h, w, c] = s.inputShape;
  const fits = (m: number | null, d: number) => m === null || m === d;
  if (
    s.inputShape.length !== 4 ||
    !fits(h, data.height) ||
    !fits(w, data.width) ||
    c !== data.channels ||
    s.numClasses !== data.classes
  ) {
    s.dispose();
    throw new TeacherFormatError(
      `student ${file}: input [${s.inputShape.map((d) => d ?? '?')}] and ${s.numClasses} logits; the data has ${data.height}×${data.width}×${data.channels} images of ${data.classes} classes`,
    );
  }
  initTfjsWeights(s, seed);
  return s;
}
