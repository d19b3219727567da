import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  CheckpointJson,
  parseCheckpoint,
  SerializedCheckpoint,
} from './checkpoint';
import { ResNet } from './resnet';
import { ResNetConfig, validateResNetConfig } from './resnet-config';
import { assignState, serializeModel, stateOf } from './wrn-checkpoint';

/**
 * Serializes a ResNet (class_name 'ResNet', its config as the topology) with metadata and optional
 * extra tensors (a stage checkpoint's optimizer state and connectors), stored under their own names.
 */
export function saveResNet(
  model: ResNet,
  metadata: Record<string, unknown>,
  extra: Map<string, tf.Tensor> = new Map(),
): Promise<SerializedCheckpoint> {
  return serializeModel(model, 'ResNet', metadata, extra);
}

/** Builds a ResNet from checkpoint bytes, verifying them first; tensors that are not the model's come back in `extra` (the caller disposes them). */
export function loadResNet(
  jsonText: string,
  weights: Uint8Array,
  source = 'checkpoint',
): { model: ResNet; json: CheckpointJson; extra: Map<string, tf.Tensor> } {
  const { json, tensors } = parseCheckpoint(jsonText, weights, source);
  const dispose = () => {
    for (const t of tensors.values()) t.dispose();
  };
  if (json.modelTopology.class_name !== 'ResNet') {
    dispose();
    throw new CheckpointError(
      `${source}: not a ResNet checkpoint (${json.modelTopology.class_name})`,
    );
  }
  let model: ResNet;
  try {
    model = new ResNet(validateResNetConfig(json.modelTopology.config as unknown as ResNetConfig));
  } catch (e) {
    dispose();
    throw e;
  }
  try {
    assignState(model, tensors, source);
  } catch (e) {
    model.dispose();
    dispose();
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
