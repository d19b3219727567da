import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';

export const CHECKPOINT_FORMAT = 'abd-checkpoint/v1';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * A checkpoint in the tfjs weights format: `model.json` (topology, weights manifest, our
 * metadata) + `weights.bin` (the tensors' bytes, in manifest order). The JSON records the
 * SHA-256 and size of the bytes, so a torn pair (new JSON, old or partial bytes) never loads.
 */
export interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  modelTopology: { class_name: string; config: Record<string, unknown> };
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  weightsSha256: string;
  weightsBytes: number;
  metadata: Record<string, unknown>;
}

export interface SerializedCheckpoint {
  json: CheckpointJson;
  weights: Uint8Array;
}

export async function serializeCheckpoint(
  tensors: Map<string, tf.Tensor>,
  topology: CheckpointJson['modelTopology'],
  metadata: Record<string, unknown>,
): Promise<SerializedCheckpoint> {
  const named: tf.NamedTensorMap = {};
  for (const [k, v] of tensors) named[k] = v;
  const { data, specs } = await tf.io.encodeWeights(named);
  const weights = new Uint8Array(data);
  return {
    json: {
      format: CHECKPOINT_FORMAT,
      modelTopology: topology,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      weightsSha256: sha256(weights),
      weightsBytes: weights.byteLength,
      metadata,
    },
    weights,
  };
}

/** Parses and verifies a checkpoint; returns its tensors by name (caller disposes them). */
export function parseCheckpoint(
  jsonText: string,
  weights: Uint8Array,
  source = 'checkpoint',
): {
  json: CheckpointJson;
  tensors: Map<string, tf.Tensor>;
} {
  let json: CheckpointJson;
  try {
    json = JSON.parse(jsonText) as CheckpointJson;
  } catch (e) {
    throw new CheckpointError(`${source}: model.json is not valid JSON (${(e as Error).message})`);
  }
  if (json.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${source}: unknown format '${String(json.format)}' (expected ${CHECKPOINT_FORMAT})`,
    );
  }
  if (weights.byteLength !== json.weightsBytes) {
    throw new CheckpointError(
      `${source}: weights.bin has ${weights.byteLength} bytes, model.json says ${json.weightsBytes}`,
    );
  }
  if (sha256(weights) !== json.weightsSha256) {
    throw new CheckpointError(`${source}: weights.bin does not match the SHA-256 in model.json`);
  }
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buf = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  ) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(buf, specs);
  return { json, tensors: new Map(Object.entries(decoded)) };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
