// Test helper: the smallest user teacher that still has a real tap — a Keras-style CNN saved as a
// tfjs LayersModel (model.json + weights.bin), fixed seeds.
import type * as Tfjs from '@tensorflow/tfjs';
import { saveLayersModel } from './save-layers-model';

/**
 * A CNN on 28×28×1 with 10 logits, saved at `dir`: `pre` (28×28×5, the conv's pre-ReLU output)
 * is its one tap, then ReLU, global average pooling and the dense `logits` layer.
 */
export async function saveTinyTfjsTeacher(
  tfl: typeof Tfjs,
  dir: string,
): Promise<Tfjs.LayersModel> {
  const x = tfl.input({ shape: [28, 28, 1] });
  const pre = tfl.layers
    .conv2d({
      filters: 5,
      kernelSize: 3,
      padding: 'same',
      name: 'pre',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
    })
    .apply(x) as Tfjs.SymbolicTensor;
  const h = tfl.layers
    .globalAveragePooling2d({})
    .apply(tfl.layers.reLU({}).apply(pre)) as Tfjs.SymbolicTensor;
  const y = tfl.layers
    .dense({
      units: 10,
      name: 'logits',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }),
    })
    .apply(h) as Tfjs.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y });
  await saveLayersModel(tfl, model, dir);
  return model;
}
