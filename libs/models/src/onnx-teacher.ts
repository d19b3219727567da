import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import {
  ForeignTeacher,
  ForeignTeacherOptions,
  probeShape,
  TapCandidate,
  TeacherFormatError,
  TeacherTensor,
  transpose4,
} from './foreign-teacher';

interface Dim {
  dimValue?: number | { toNumber(): number } | string;
  dimParam?: string;
}
interface Graph {
  node: Array<{ opType: string; output: string[] }>;
  input: Array<{
    name: string;
    type?: { tensorType?: { elemType?: number; shape?: { dim?: Dim[] } } };
  }>;
  initializer: Array<{ name: string }>;
  output: Array<{ name: string }>;
}

let root: protobuf.Root | null = null;

/** The committed official schema (libs/models/onnx/onnx.proto), as the exporter uses. */
function onnxRoot(): protobuf.Root {
  root ??= protobuf.loadSync(join(__dirname, '..', 'onnx', 'onnx.proto'));
  return root;
}

interface Parsed {
  model: protobuf.Message & { graph: Graph };
  input: string;
  inputDims: Array<number | null>;
  logits: string;
  /** Value name → op of the node that computes it. */
  values: Map<string, string>;
}

async function parse(file: string, logitsName?: string, inspect = false): Promise<Parsed> {
  let model: Parsed['model'];
  try {
    model = onnxRoot()
      .lookupType('onnx.ModelProto')
      .decode(await readFile(file)) as Parsed['model'];
  } catch (e) {
    throw new TeacherFormatError(`${file} is not an ONNX model (${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g || !g.node?.length)
    throw new TeacherFormatError(`${file} is not an ONNX model (no graph)`);
  const inits = new Set(g.initializer.map((i) => i.name));
  const inputs = g.input.filter((i) => !inits.has(i.name));
  if (inputs.length !== 1 || (!logitsName && !inspect && g.output.length !== 1))
    throw new TeacherFormatError(
      `${file}: a teacher has one input (images) and one output (logits, or name them: teacher.logits); this model has ${inputs.length} and ${g.output.length}`,
    );
  const dims = inputs[0].type?.tensorType?.shape?.dim ?? [];
  const inputDims = dims.map((d) => {
    const v =
      d.dimValue === undefined
        ? 0
        : Number(typeof d.dimValue === 'object' ? d.dimValue.toNumber() : d.dimValue);
    return v > 0 ? v : null;
  });
  const values = new Map<string, string>();
  for (const n of g.node) for (const o of n.output) if (o) values.set(o, n.opType);
  if (logitsName && !values.has(logitsName))
    throw new TeacherFormatError(
      `${file}: no value '${logitsName}' in the graph for the logits (see abd inspect-model ${file})`,
    );
  return {
    model,
    input: inputs[0].name,
    inputDims,
    logits: logitsName ?? g.output[0].name,
    values,
  };
}

/** The model with `names` added as graph outputs (no type: onnxruntime infers it), so a run returns them. */
function withOutputs(p: Parsed, names: readonly string[]): Uint8Array {
  const VI = onnxRoot().lookupType('onnx.ValueInfoProto');
  const have = new Set(p.model.graph.output.map((o) => o.name));
  for (const n of names)
    if (!have.has(n))
      p.model.graph.output.push(VI.fromObject({ name: n }) as unknown as { name: string });
  return onnxRoot().lookupType('onnx.ModelProto').encode(p.model).finish();
}

type Ort = typeof import('onnxruntime-node');

async function session(ort: Ort, bytes: Uint8Array) {
  // One intra-op thread: the machine is shared with the training's own kernels.
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'basic',
  });
}

function toOurs(t: { dims: readonly number[]; data: unknown }, nchw: boolean): TeacherTensor {
  const shape = t.dims.map(Number);
  const values = t.data as Float32Array;
  if (nchw && shape.length === 4)
    return {
      shape: [shape[0], shape[2], shape[3], shape[1]],
      values: transpose4(values, shape, false),
    };
  return { shape, values: Float32Array.from(values) };
}

/** NHWC probe / batch shape → the model's own input shape. */
function modelShape(nhwc: readonly number[], nchw: boolean): number[] {
  return nchw && nhwc.length === 4 ? [nhwc[0], nhwc[3], nhwc[1], nhwc[2]] : [...nhwc];
}

/**
 * An ONNX model (e.g. from `torch.onnx.export`) as a teacher, run by onnxruntime-node. Taps are value
 * names of its graph (node outputs, as `abd inspect-model` lists them), made graph outputs.
 */
export async function loadOnnxTeacher(
  file: string,
  { taps, logits, layout = 'nchw' }: ForeignTeacherOptions,
): Promise<ForeignTeacher> {
  const p = await parse(file, logits);
  const missing = taps.filter((t) => !p.values.has(t));
  if (missing.length)
    throw new TeacherFormatError(
      `${file}: no value ${missing.map((t) => `'${t}'`).join(', ')} in the graph (see abd inspect-model ${file})`,
    );
  const ort = await import('onnxruntime-node');
  const s = await session(ort, withOutputs(p, [p.logits, ...taps]));
  const nchw = layout === 'nchw';
  return {
    format: 'onnx',
    taps,
    async run(images, shape) {
      const x = nchw ? transpose4(images, shape, true) : images;
      const out = await s.run(
        { [p.input]: new ort.Tensor('float32', x, modelShape(shape, nchw)) },
        [p.logits, ...taps],
      );
      return {
        logits: toOurs(out[p.logits], false),
        taps: Object.fromEntries(taps.map((t) => [t, toOurs(out[t], nchw)])),
      };
    },
    dispose: () => void s.release(),
  };
}

/** Every float value the graph computes, with its shape from one probe batch of zeros (4-D NHWC if layout is nchw). */
export async function onnxTapCandidates(
  file: string,
  inputShape?: readonly number[],
  layout: 'nchw' | 'nhwc' = 'nchw',
): Promise<{ format: 'onnx'; input: number[]; candidates: TapCandidate[] }> {
  const p = await parse(file, undefined, true);
  const nchw = layout === 'nchw' && p.inputDims.length === 4;
  const own = probeShape(
    p.inputDims,
    inputShape ? modelShape(inputShape, nchw) : undefined,
    nchw ? `${file} (its input is NCHW)` : file,
  );
  const ort = await import('onnxruntime-node');
  const names = [...p.values.keys()];
  const s = await session(ort, withOutputs(p, names));
  try {
    const out = await s.run({
      [p.input]: new ort.Tensor('float32', new Float32Array(own.reduce((a, b) => a * b, 1)), own),
    });
    const candidates = names
      .filter((n) => out[n]?.type === 'float32')
      .map((n) => ({ name: n, op: p.values.get(n) ?? '?', shape: toOurs(out[n], nchw).shape }));
    const input = nchw ? [own[0], own[2], own[3], own[1]] : own;
    return { format: 'onnx', input, candidates };
  } finally {
    await s.release();
  }
}
