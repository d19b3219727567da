import { ExportGraph, ExportNode } from './export-graph';

/** The files of a tfjs LayersModel: `model.json` and one weight shard, as written by tfjs itself. */
export interface LayersModelFiles {
  modelJson: Record<string, unknown>;
  shardName: string;
  shard: Uint8Array;
}

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: Array<Array<[string, number, number, Record<string, never>]>>;
}

const TFJS_VERSION = '4.22.0';

/**
 * A Keras-style functional model of stock layer classes (InputLayer, ZeroPadding2D, Conv2D,
 * BatchNormalization, ReLU, Add, GlobalAveragePooling2D, Dense) that `tf.loadLayersModel` of
 * stock @tensorflow/tfjs loads. Spatial input size is free ([null, null, null, C]).
 */
export function toLayersModel(
  g: ExportGraph,
  shardName = 'group1-shard1of1.bin',
): LayersModelFiles {
  const layers: KerasLayer[] = [
    {
      name: g.input,
      class_name: 'InputLayer',
      config: {
        batch_input_shape: [null, null, null, g.inChannels],
        dtype: 'float32',
        sparse: false,
        name: g.input,
      },
      inbound_nodes: [],
    },
  ];
  const specs: Array<{ name: string; shape: number[]; dtype: 'float32' }> = [];
  const chunks: Float32Array[] = [];
  const weight = (name: string, shape: number[], values: Float32Array) => {
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(values);
  };
  const layer = (name: string, cls: string, config: Record<string, unknown>, inputs: string[]) =>
    layers.push({
      name,
      class_name: cls,
      config: { ...config, name, trainable: false },
      inbound_nodes: [
        inputs.map((i) => [i, 0, 0, {}] as [string, number, number, Record<string, never>]),
      ],
    });
  for (const n of g.nodes) emit(n, layer, weight);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `ab-distill (tfjs-layers ${TFJS_VERSION} format)`,
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: {
        name: g.name,
        layers,
        input_layers: [[g.input, 0, 0]],
        output_layers: [[g.output, 0, 0]],
      },
      keras_version: `tfjs-layers ${TFJS_VERSION}`,
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [shardName], weights: specs }],
    userDefinedMetadata: {
      taps: g.taps,
      input: 'NHWC float32, normalized per channel: (x/255 - mean) / std',
      output: 'logits',
      ...(g.normalization ? { normalization: g.normalization } : {}),
    },
  };
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return { modelJson, shardName, shard: new Uint8Array(all.buffer) };
}

function emit(
  n: ExportNode,
  layer: (name: string, cls: string, config: Record<string, unknown>, inputs: string[]) => void,
  weight: (name: string, shape: number[], values: Float32Array) => void,
): void {
  switch (n.op) {
    case 'conv': {
      const [k, , , cout] = n.shape;
      let input = n.input;
      let padding = 'valid';
      // Keras 'same' pads symmetrically only at stride 1 with odd kernels; else pad explicitly
      // (PyTorch-style symmetric padding, as the model computes).
      if (n.pad > 0 && n.stride === 1 && n.pad * 2 === k - 1) padding = 'same';
      else if (n.pad > 0) {
        input = `${n.name}.pad`;
        layer(
          input,
          'ZeroPadding2D',
          {
            padding: [
              [n.pad, n.pad],
              [n.pad, n.pad],
            ],
            data_format: 'channels_last',
          },
          [n.input],
        );
      }
      layer(
        n.name,
        'Conv2D',
        {
          filters: cout,
          kernel_size: [k, k],
          strides: [n.stride, n.stride],
          padding,
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'linear',
          use_bias: false,
        },
        [input],
      );
      weight(`${n.name}/kernel`, n.shape, n.kernel);
      return;
    }
    case 'bn':
      layer(
        n.name,
        'BatchNormalization',
        { axis: -1, momentum: 0.99, epsilon: n.eps, center: true, scale: true },
        [n.input],
      );
      weight(`${n.name}/gamma`, [n.gamma.length], n.gamma);
      weight(`${n.name}/beta`, [n.beta.length], n.beta);
      weight(`${n.name}/moving_mean`, [n.mean.length], n.mean);
      weight(`${n.name}/moving_variance`, [n.variance.length], n.variance);
      return;
    case 'relu':
      layer(n.name, 'ReLU', { max_value: null }, [n.input]);
      return;
    case 'add':
      layer(n.name, 'Add', {}, n.inputs);
      return;
    case 'gap':
      layer(n.name, 'GlobalAveragePooling2D', { data_format: 'channels_last' }, [n.input]);
      return;
    case 'dense':
      layer(n.name, 'Dense', { units: n.shape[1], activation: 'linear', use_bias: true }, [
        n.input,
      ]);
      weight(`${n.name}/kernel`, n.shape, n.kernel);
      weight(`${n.name}/bias`, [n.bias.length], n.bias);
      return;
  }
}
