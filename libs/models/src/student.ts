import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, CheckpointJson, SerializedCheckpoint } from './checkpoint';
import { ResNet } from './resnet';
import { loadResNet, saveResNet } from './resnet-checkpoint';
import { parseResNetName } from './resnet-config';
import { Wrn } from './wrn';
import { loadWrn, saveWrn } from './wrn-checkpoint';
import { InitScheme, parseWrnName } from './wrn-config';
import type { ForwardOptions, ForwardResult } from './wrn';
import { TfjsLayersStudent } from './tfjs-student';
import { loadTfjsStudent, saveTfjsStudent } from './tfjs-student-io';

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

/** Any student: the two built-in families, or a user's tfjs LayersModel architecture. */
export type Student = Wrn | ResNet | TfjsLayersStudent;

/** A student family's name: `resnet…` is a CIFAR ResNet, anything else a WRN name. */
export function isResNetArch(arch: string): boolean {
  return /^resnet/i.test(arch.trim());
}

/**
 * A student by architecture name: `wrn-16-2` (WRN, init scheme as given) or a CIFAR ResNet
 * (`resnet20`, `resnet-20`, `resnet8x4`, …; always the reference's kaiming fan-out init).
 */
export function studentOf(
  arch: string,
  inChannels: number,
  numClasses: number,
  init: InitScheme,
  seed: number,
): Wrn | ResNet {
  if (isResNetArch(arch))
    return new ResNet({ ...parseResNetName(arch), inChannels, numClasses }, seed);
  return new Wrn({ ...parseWrnName(arch), inChannels, numClasses }, init, seed);
}

/** Serializes either family with its extra tensors (a stage checkpoint's optimizer state, connectors). */
export function saveStudent(
  model: Student,
  metadata: Record<string, unknown>,
  extra?: Map<string, tf.Tensor>,
): Promise<SerializedCheckpoint> {
  if (model instanceof Wrn) return saveWrn(model, metadata, extra);
  if (model instanceof ResNet) return saveResNet(model, metadata, extra);
  if (model instanceof TfjsLayersStudent) return saveTfjsStudent(model, metadata, extra);
  throw new CheckpointError('only WRN and ResNet students are saved as checkpoints');
}

/** A loaded checkpoint of either family; `extra` holds the tensors that are not the model's (the caller disposes them). */
export interface LoadedStudent {
  model: Wrn | ResNet;
  json: CheckpointJson;
  extra: Map<string, tf.Tensor>;
}

/** Loads a checkpoint of either family, by its topology's class name. */
export function loadStudentCheckpoint(
  jsonText: string,
  weights: Uint8Array,
  source = 'checkpoint',
): LoadedStudent {
  let cls: unknown;
  try {
    cls = (JSON.parse(jsonText) as { modelTopology?: { class_name?: string } }).modelTopology
      ?.class_name;
  } catch (e) {
    throw new CheckpointError(`${source}: model.json is not valid JSON (${(e as Error).message})`);
  }
  if (cls === 'ResNet') return loadResNet(jsonText, weights, source);
  return loadWrn(jsonText, weights, source);
}

/** Loads a checkpoint of any student, a tfjs-layers one included (its layers are built asynchronously). */
export async function loadAnyStudentCheckpoint(
  jsonText: string,
  weights: Uint8Array,
  source = 'checkpoint',
): Promise<{ model: Student; json: CheckpointJson; extra: Map<string, tf.Tensor> }> {
  const cls = (JSON.parse(jsonText) as { modelTopology?: { class_name?: string } }).modelTopology
    ?.class_name;
  if (cls === 'TfjsLayers') return loadTfjsStudent(jsonText, weights, source);
  return loadStudentCheckpoint(jsonText, weights, source);
}

/** Loads a student checkpoint of either family (extra tensors dropped). */
export function loadStudent(
  jsonText: string,
  weights: Uint8Array,
  source = 'checkpoint',
): Wrn | ResNet {
  const { model, extra } = loadStudentCheckpoint(jsonText, weights, source);
  for (const t of extra.values()) t.dispose();
  return model;
}
