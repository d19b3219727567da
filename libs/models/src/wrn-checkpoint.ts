import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  CheckpointJson,
  parseCheckpoint,
  serializeCheckpoint,
  SerializedCheckpoint,
} from './checkpoint';
import { Wrn } from './wrn';
import { validateWrnConfig, WrnConfig } from './wrn-config';

/** Parameters and running statistics of a model, by name. */
export function stateOf(model: {
  params: Map<string, tf.Variable>;
  stats: Map<string, tf.Variable>;
}): Map<string, tf.Tensor> {
  return new Map<string, tf.Tensor>([...model.params, ...model.stats]);
}

/**
 * Serializes a model's state with extra tensors stored under their own names (a name taken by
 * the model is an error); the topology is its class name and config.
 */
export function serializeModel(
  model: { params: Map<string, tf.Variable>; stats: Map<string, tf.Variable>; config: object },
  className: string,
  metadata: Record<string, unknown>,
  extra: Map<string, tf.Tensor>,
): Promise<SerializedCheckpoint> {
  const all = stateOf(model);
  for (const [k, v] of extra) {
    if (all.has(k)) throw new CheckpointError(`extra tensor '${k}' collides with a model tensor`);
    all.set(k, v);
  }
  return serializeCheckpoint(all, { class_name: className, config: { ...model.config } }, metadata);
}

/** Assigns saved values to a model's variables; every variable must be present with its shape. */
export function assignState(
  model: { params: Map<string, tf.Variable>; stats: Map<string, tf.Variable> },
  tensors: Map<string, tf.Tensor>,
  source: string,
  prefix = '',
): void {
  for (const [name, v] of stateOf(model)) {
    const t = tensors.get(prefix + name);
    if (!t) throw new CheckpointError(`${source}: missing tensor '${prefix + name}'`);
    if (t.shape.join(',') !== v.shape.join(',')) {
      throw new CheckpointError(
        `${source}: tensor '${prefix + name}' has shape [${t.shape}], the model needs [${v.shape}]`,
      );
    }
    (v as tf.Variable).assign(t);
  }
}

/**
 * Serializes a WRN (+ optional extra tensors such as optimizer state, stored under their own
 * names) with metadata.
 */
export function saveWrn(
  model: Wrn,
  metadata: Record<string, unknown>,
  extra: Map<string, tf.Tensor> = new Map(),
): Promise<SerializedCheckpoint> {
  return serializeModel(model, 'WRN', metadata, extra);
}

export interface LoadedWrn {
  model: Wrn;
  json: CheckpointJson;
  /** Tensors in the checkpoint that are not the model's (caller disposes them). */
  extra: Map<string, tf.Tensor>;
}

/** Builds a WRN from checkpoint bytes, verifying them first. */
export function loadWrn(jsonText: string, weights: Uint8Array, source = 'checkpoint'): LoadedWrn {
  const { json, tensors } = parseCheckpoint(jsonText, weights, source);
  if (json.modelTopology.class_name !== 'WRN') {
    disposeAll(tensors);
    throw new CheckpointError(`${source}: not a WRN checkpoint (${json.modelTopology.class_name})`);
  }
  const model = new Wrn(validateWrnConfig(json.modelTopology.config as unknown as WrnConfig));
  try {
    assignState(model, tensors, source);
  } catch (e) {
    model.dispose();
    disposeAll(tensors);
    throw e;
  }
  const own = stateOf(model);
  const extra = new Map<string, tf.Tensor>();
  for (const [k, t] of tensors) {
    if (own.has(k)) t.dispose();
    else extra.set(k, t);
  }
  return { model, json, extra };
}

function disposeAll(m: Map<string, tf.Tensor>): void {
  for (const t of m.values()) t.dispose();
}
