import type * as Tfjs from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import {
  ForeignTeacher,
  ForeignTeacherOptions,
  probeShape,
  TapCandidate,
  TeacherFormatError,
  TeacherOutputs,
  TeacherTensor,
} from './foreign-teacher';

type Tf = typeof Tfjs;

interface Loaded {
  tf: Tf;
  kind: 'layers' | 'graph';
  layers?: Tfjs.LayersModel;
  graph?: Tfjs.GraphModel;
  /** GraphModel node names and ops from model.json (for clear errors and inspection). */
  nodes: Array<{ name: string; op: string }>;
}

/**
 * model.json + its weight shards from disk through the stock loaders (`tf.loadLayersModel` /
 * `tf.loadGraphModel` with an IOHandler): plain @tensorflow/tfjs has no file:// handler in Node.
 */
async function load(file: string): Promise<Loaded> {
  const tf = await import('@tensorflow/tfjs');
  let json: Tfjs.io.ModelJSON & { format?: string };
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
  } catch (e) {
    throw new TeacherFormatError(`${file} is not a tfjs model.json (${(e as Error).message})`);
  }
  const topo = json.modelTopology as
    { node?: Array<{ name: string; op: string }>; class_name?: string } | undefined;
  if (!topo || !Array.isArray(json.weightsManifest))
    throw new TeacherFormatError(
      `${file} is not a tfjs model.json (needs modelTopology and weightsManifest)`,
    );
  const kind = json.format === 'graph-model' || Array.isArray(topo.node) ? 'graph' : 'layers';
  const dir = dirname(file);
  const handler: Tfjs.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: Tfjs.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const shard = normalize(join(dir, p));
            if (!shard.startsWith(normalize(dir) + sep))
              throw new TeacherFormatError(
                `${file}: weight shard '${p}' is outside the model's directory`,
              );
            const b = await readFile(shard);
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      }),
  };
  if (kind === 'graph')
    return {
      tf,
      kind,
      graph: await tf.loadGraphModel(handler),
      nodes: (topo.node ?? []).map((n) => ({ name: n.name, op: n.op })),
    };
  return { tf, kind, layers: await tf.loadLayersModel(handler), nodes: [] };
}

const NOT_TAPS = new Set(['Const', 'Placeholder', 'NoOp', 'Identity']);

async function read(t: Tfjs.Tensor): Promise<TeacherTensor> {
  return { shape: t.shape.slice(), values: Float32Array.from((await t.data()) as Float32Array) };
}

/** A tfjs LayersModel (taps = layer names) or GraphModel (taps = node names) as a teacher. */
export async function loadTfjsTeacher(
  file: string,
  { taps, logits: logitsName }: ForeignTeacherOptions,
): Promise<ForeignTeacher> {
  const m = await load(file);
  const { tf } = m;
  if (m.layers) {
    const model = m.layers;
    const names = model.layers.map((l) => l.name);
    const missing = [...taps, ...(logitsName ? [logitsName] : [])].filter(
      (t) => !names.includes(t),
    );
    if (missing.length)
      throw new TeacherFormatError(
        `${file}: no layer ${missing.map((t) => `'${t}'`).join(', ')} (layers: ${names.join(', ')})`,
      );
    if (!logitsName && model.outputs.length !== 1)
      throw new TeacherFormatError(
        `${file}: the model has ${model.outputs.length} outputs; name the logits layer (teacher.logits)`,
      );
    // One model giving the logits and every tap in a single forward pass.
    const outputs = taps.map((t) => {
      const o = model.getLayer(t).output;
      if (Array.isArray(o))
        throw new TeacherFormatError(
          `${file}: layer '${t}' has several outputs; tap a layer with one`,
        );
      return o;
    });
    const logitsOut = logitsName ? model.getLayer(logitsName).output : model.outputs[0];
    if (Array.isArray(logitsOut))
      throw new TeacherFormatError(
        `${file}: layer '${logitsName}' has several outputs; name a layer with one as the logits`,
      );
    const multi = tf.model({ inputs: model.inputs, outputs: [logitsOut, ...outputs] });
    return {
      format: 'tfjs-layers',
      taps,
      async run(images, shape) {
        const ys = tf.tidy(
          () => [multi.predict(tf.tensor4d(images, [...shape]))].flat() as Tfjs.Tensor[],
        );
        return collect(ys, taps);
      },
      dispose: () => model.dispose(),
    };
  }
  const model = m.graph as Tfjs.GraphModel;
  const known = new Set(m.nodes.map((n) => n.name));
  const missing = [...taps, ...(logitsName ? [logitsName] : [])].filter((t) => !known.has(t));
  if (missing.length)
    throw new TeacherFormatError(
      `${file}: no graph node ${missing.map((t) => `'${t}'`).join(', ')} (see abd inspect-model ${file})`,
    );
  if ((!logitsName && model.outputNodes.length !== 1) || model.inputNodes.length !== 1)
    throw new TeacherFormatError(
      `${file}: a teacher graph has one input and one output (its logits, or name them: teacher.logits); this one has ${model.inputNodes.length} and ${model.outputNodes.length}`,
    );
  const logitsNode = logitsName ?? model.outputNodes[0];
  return {
    format: 'tfjs-graph',
    taps,
    async run(images, shape) {
      const x = tf.tensor4d(images, [...shape]);
      try {
        const ys = [
          await model.executeAsync({ [model.inputNodes[0]]: x }, [logitsNode, ...taps]),
        ].flat();
        return await collect(ys, taps);
      } finally {
        x.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

async function collect(ys: Tfjs.Tensor[], taps: readonly string[]): Promise<TeacherOutputs> {
  try {
    const [logits, ...rest] = await Promise.all(ys.map(read));
    return { logits, taps: Object.fromEntries(taps.map((t, i) => [t, rest[i]])) };
  } finally {
    for (const y of ys) y.dispose();
  }
}

/** Layers (with their output shapes for the probe input) or graph nodes (shapes from one probe batch). */
export async function tfjsTapCandidates(
  file: string,
  inputShape?: readonly number[],
): Promise<{ format: 'tfjs-layers' | 'tfjs-graph'; input: number[]; candidates: TapCandidate[] }> {
  const m = await load(file);
  const { tf } = m;
  if (m.layers) {
    const model = m.layers;
    try {
      const input = probeShape(model.inputs[0].shape, inputShape, file);
      const layers = model.layers.filter(
        (l) => !Array.isArray(l.output) && l.getClassName() !== 'InputLayer',
      );
      const probe = tf.model({
        inputs: model.inputs,
        outputs: layers.map((l) => l.output as Tfjs.SymbolicTensor),
      });
      const ys = tf.tidy(() => [probe.predict(tf.zeros(input))].flat() as Tfjs.Tensor[]);
      const candidates = layers.map((l, i) => ({
        name: l.name,
        op: l.getClassName(),
        shape: ys[i].shape.slice(),
      }));
      tf.dispose(ys);
      return { format: 'tfjs-layers', input, candidates };
    } finally {
      model.dispose();
    }
  }
  const model = m.graph as Tfjs.GraphModel;
  try {
    const declared = model.inputs[0]?.shape ?? [];
    const input = probeShape(
      declared.map((d) => (d < 0 ? null : d)),
      inputShape,
      file,
    );
    const nodes = m.nodes.filter((n) => !NOT_TAPS.has(n.op));
    const x = tf.zeros(input);
    const ys = [
      await model.executeAsync(
        { [model.inputNodes[0]]: x },
        nodes.map((n) => n.name),
      ),
    ].flat();
    const candidates = nodes.map((n, i) => ({
      name: n.name,
      op: n.op,
      shape: ys[i].shape.slice(),
    }));
    tf.dispose([x, ...ys]);
    return { format: 'tfjs-graph', input, candidates };
  } finally {
    model.dispose();
  }
}
