import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A float32 tensor read out of a teacher: its values in row-major order and its shape. */
export interface TeacherTensor {
  shape: number[];
  values: Float32Array;
}

/** What a teacher gives for one batch: its logits and the tapped activations, 4-D ones NHWC like ours. */
export interface TeacherOutputs {
  logits: TeacherTensor;
  taps: Record<string, TeacherTensor>;
}

export type ForeignTeacherFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';

/**
 * A user's own teacher (not one of our checkpoints), run for its logits and the activations at the
 * named taps (the pre-activation tensors the AB loss needs).
 */
export interface ForeignTeacher {
  readonly format: ForeignTeacherFormat;
  readonly taps: readonly string[];
  /** `images` NHWC float32 [N, H, W, C], already normalized as the teacher expects. */
  run(
    images: Float32Array,
    shape: readonly [number, number, number, number],
  ): Promise<TeacherOutputs>;
  dispose(): void;
}

/** A layer or graph value a user could tap, with the shape it has for the given input. */
export interface TapCandidate {
  name: string;
  op: string;
  shape: number[];
}

/** Bad teacher file or tap choice: said before any work. */
export class TeacherFormatError extends Error {
  override name = 'TeacherFormatError';
}

export interface ForeignTeacherOptions {
  /** Layer names (tfjs LayersModel), node names (tfjs GraphModel) or value names (ONNX). */
  taps: readonly string[];
  /**
   * The layer / node / value that gives the logits, for a model with several outputs (or whose
   * logits are not its output); default: the model's one output.
   */
  logits?: string;
  /**
   * Layout of an ONNX model's 4-D input and values: `nchw` (PyTorch's, the default) means the NHWC
   * images are transposed in and the 4-D taps transposed back out.
   */
  layout?: 'nchw' | 'nhwc';
}

/** Which kind of model is at `path`: an `.onnx` file, or a tfjs `model.json` (or its directory). */
export function teacherFormatOf(path: string): { format: 'onnx' | 'tfjs'; file: string } {
  if (!existsSync(path)) throw new TeacherFormatError(`no model at ${path}`);
  const file = statSync(path).isDirectory() ? join(path, 'model.json') : path;
  if (/\.onnx$/i.test(file)) return { format: 'onnx', file };
  if (basename(file) === 'model.json' || /\.json$/i.test(file)) {
    if (!existsSync(file))
      throw new TeacherFormatError(
        `${path} is a directory without a model.json (a tfjs model) and not an .onnx file`,
      );
    return { format: 'tfjs', file };
  }
  throw new TeacherFormatError(
    `unknown model format: ${path} (expected an .onnx file, or a tfjs model.json / its directory)`,
  );
}

/** The input shape to probe with: the model's own, free dimensions filled from `given` (batch 1 by default). */
export function probeShape(
  model: ReadonlyArray<number | null>,
  given: readonly number[] | undefined,
  what: string,
): number[] {
  if (given && given.length !== model.length)
    throw new TeacherFormatError(
      `${what}: the input has ${model.length} dimensions [${model.map((d) => d ?? '?')}], --input gave ${given.length}`,
    );
  return model.map((d, i) => {
    const g = given?.[i];
    if (d !== null && d > 0) {
      if (g !== undefined && g !== d && i > 0)
        throw new TeacherFormatError(
          `${what}: input dimension ${i} of [${model.map((x) => (x !== null && x > 0 ? x : '?'))}] is ${d}, --input gave ${g}`,
        );
      return i === 0 && g !== undefined ? g : d;
    }
    if (g !== undefined) return g;
    if (i === 0) return 1;
    throw new TeacherFormatError(
      `${what}: input dimension ${i} is free [${model.map((x) => (x !== null && x > 0 ? x : '?'))}]; give the input shape (--input N,H,W,C)`,
    );
  });
}

/** NHWC ↔ NCHW of row-major values. */
export function transpose4(
  x: Float32Array,
  [a, b, c, d]: readonly number[],
  toNchw: boolean,
): Float32Array {
  const out = new Float32Array(x.length);
  // toNchw: x is [n, h, w, c] = [a, b, c, d]; else x is [n, c, h, w] = [a, b, c, d].
  for (let n = 0; n < a; n++)
    for (let i = 0; i < b; i++)
      for (let j = 0; j < c; j++)
        for (let k = 0; k < d; k++) {
          const src = ((n * b + i) * c + j) * d + k;
          out[toNchw ? ((n * d + k) * b + i) * c + j : ((n * c + j) * d + k) * b + i] = x[src];
        }
  return out;
}
