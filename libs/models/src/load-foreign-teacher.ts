import {
  ForeignTeacher,
  ForeignTeacherFormat,
  ForeignTeacherOptions,
  TapCandidate,
  teacherFormatOf,
} from './foreign-teacher';
import { loadOnnxTeacher, onnxTapCandidates } from './onnx-teacher';
import { loadTfjsTeacher, tfjsTapCandidates } from './tfjs-teacher';

/** Loads a user's teacher with its taps; unknown taps are an error naming the ones the model has. */
export async function loadForeignTeacher(
  path: string,
  options: ForeignTeacherOptions,
): Promise<ForeignTeacher> {
  const { format, file } = teacherFormatOf(path);
  if (format === 'onnx') return loadOnnxTeacher(file, options);
  return loadTfjsTeacher(file, options);
}

/** The layers / nodes of the model at `path` a user can tap, with their shapes for an input of `inputShape` (NHWC). */
export async function tapCandidates(
  path: string,
  inputShape?: readonly number[],
  layout?: 'nchw' | 'nhwc',
): Promise<{ format: ForeignTeacherFormat; input: number[]; candidates: TapCandidate[] }> {
  const { format, file } = teacherFormatOf(path);
  if (format === 'onnx') return onnxTapCandidates(file, inputShape, layout);
  return tfjsTapCandidates(file, inputShape);
}
