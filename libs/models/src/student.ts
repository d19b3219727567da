import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, SerializedCheckpoint } from './checkpoint';
import { ResNet } from './resnet';
import { loadResNet, saveResNet } from './resnet-checkpoint';
import { parseResNetName } from './resnet-config';
import { Wrn } from './wrn';
import { loadWrn, saveWrn } from './wrn-checkpoint';
import { InitScheme, parseWrnName } from './wrn-config';
import type { ForwardOptions, ForwardResult } from './wrn';

/** What the training stages need of a student: both built-in families provide it. */
export interface StudentModel {
  readonly params: Map<string, tf.Variable>;
  readonly stats: Map<string, tf.Variable>;
  readonly tapNames: string[];
  readonly tapWidths: number[];
  forward(x: tf.Tensor4D, opts: ForwardOptions): ForwardResult;
  parameterCount(): number;
  dispose(): void;
}

/**
 * A student by architecture name: `wrn-16-2` (WRN, init scheme as given) or a CIFAR ResNet
 * (`resnet20`, `resnet8x4`, …; always the reference's kaiming fan-out init).
 */
export function studentOf(arch: string, inChannels: number, numClasses: number, init: InitScheme, seed: number): Wrn | ResNet {
  if (/^resnet/i.test(arch.trim())) return new ResNet({ ...parseResNetName(arch), inChannels, numClasses }, seed);
  return new Wrn({ ...parseWrnName(arch), inChannels, numClasses }, init, seed);
}

/** Serializes either family (WRN checkpoints keep their extra tensors, e.g. optimizer state). */
export function saveStudent(model: Wrn | ResNet, metadata: Record<string, unknown>, extra?: Map<string, tf.Tensor>): Promise<SerializedCheckpoint> {
  if (model instanceof Wrn) return saveWrn(model, metadata, extra);
  if (extra && extra.size > 0) throw new CheckpointError('extra tensors are not stored with ResNet checkpoints yet');
  return saveResNet(model, metadata);
}

/** Loads a student checkpoint of either family. */
export function loadStudent(jsonText: string, weights: Uint8Array, source = 'checkpoint'): Wrn | ResNet {
  const cls = (JSON.parse(jsonText) as { modelTopology?: { class_name?: string } }).modelTopology?.class_name;
  if (cls === 'ResNet') return loadResNet(jsonText, weights, source).model;
  const { model, extra } = loadWrn(jsonText, weights, source);
  for (const t of extra.values()) t.dispose();
  return model;
}
