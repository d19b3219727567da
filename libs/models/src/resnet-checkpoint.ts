import { CheckpointError, CheckpointJson, parseCheckpoint, serializeCheckpoint, SerializedCheckpoint } from './checkpoint';
import { ResNet } from './resnet';
import { ResNetConfig, validateResNetConfig } from './resnet-config';
import { assignState, stateOf } from './wrn-checkpoint';

/** Serializes a ResNet (class_name 'ResNet', its config as the topology) with metadata. */
export function saveResNet(model: ResNet, metadata: Record<string, unknown>): Promise<SerializedCheckpoint> {
  return serializeCheckpoint(stateOf(model), { class_name: 'ResNet', config: { ...model.config } }, metadata);
}

/** Builds a ResNet from checkpoint bytes, verifying them first; other tensors are disposed. */
export function loadResNet(jsonText: string, weights: Uint8Array, source = 'checkpoint'): { model: ResNet; json: CheckpointJson } {
  const { json, tensors } = parseCheckpoint(jsonText, weights, source);
  const dispose = () => {
    for (const t of tensors.values()) t.dispose();
  };
  if (json.modelTopology.class_name !== 'ResNet') {
    dispose();
    throw new CheckpointError(`${source}: not a ResNet checkpoint (${json.modelTopology.class_name})`);
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
    throw e;
  } finally {
    dispose();
  }
  return { model, json };
}

