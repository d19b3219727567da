// Test helper: a tfjs LayersModel written as model.json + weights.bin, as tensorflowjs_converter lays it out.
import type * as Tfjs from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function saveLayersModel(
  tfl: typeof Tfjs,
  model: Tfjs.LayersModel,
  dir: string,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tfl.io.withSaveHandler(async (a) => {
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
