import {
  ModelConfigError,
  parseResNetName,
  parseWrnName,
  validateWrnConfig,
  isResNetArch,
} from '@abd/models';
import { ConfigError } from './schema';
import { isForeignTeacher, type TeacherModel } from './teacher-model';

/** Formats of a user's own teacher (`teacher.format`), run by libs/models' loaders. */
export const TEACHER_FORMATS = ['onnx', 'tfjs-layers', 'tfjs-graph'] as const;
export type TeacherFormat = (typeof TEACHER_FORMATS)[number];

/** Methods that need only the teacher's sign maps and logits: what a foreign teacher or a ResNet student can do. */
export const GENERAL_METHODS = ['none', 'kd', 'ab+kd', 'ab+ce'] as const;

/** Taps of both built-in student families (WRN groups 1–3, ResNet stages 1–3) and of a WRN teacher. */
export const BUILT_IN_TAPS = 3;

/** The published AB tap weights, (L₁/4 + L₂/2 + L₃)·3/1000. */
const DEFAULT_WEIGHTS = [3 / 4000, 3 / 2000, 3 / 1000];

/** What names a run's teacher model (RunConfig.teacher without its training keys). */
export interface TeacherModelKeys {
  /** A WRN name; with `format`, a label (filled in from the file name when absent). */
  arch: string;
  /** A checkpoint directory (absolute once resolved, see preflight.ts), `builtin:<name>` or `models/<id>` in the store; trained when absent. */
  checkpoint?: string;
  /** A user's own teacher: its format, file (relative to the current directory) and tapped tensors. */
  format?: TeacherFormat;
  path?: string;
  taps?: string[];
  /** An ONNX teacher's 4-D layout (default nchw, PyTorch's). */
  layout?: 'nchw' | 'nhwc';
  /** The layer / node / value giving the logits when the model has several outputs. */
  logits?: string;
}

/** What names a run's student model (RunConfig.student without its init keys). */
export interface StudentModelKeys {
  arch: string;
  /** A tfjs LayersModel architecture file as the student (`arch` then a label), with its tap layers. */
  format?: 'tfjs-layers';
  path?: string;
  taps?: string[];
}

interface ModelParts {
  teacher: Partial<TeacherModelKeys>;
  student: Partial<StudentModelKeys>;
  methods: string[];
  ab: { weights?: number[]; studentTaps?: number[]; teacherBnMode: string };
}

const wrnShape = { inChannels: 1, numClasses: 2 };

/**
 * The teacher / student / tap rules of a run config (after the schema): a teacher is a WRN
 * (`arch`, trained or from `checkpoint`) or a user's model (`format` + `path` + `taps`); a student
 * is a WRN or a CIFAR ResNet. The teacher's k taps pair with k of the student's taps: those in
 * `ab.studentTaps` (1-based), else the student's last k (its deepest), in order. `ab.weights`
 * defaults to the last k of the published weights. Fills in `teacher.arch` (a label) and `ab.weights`.
 */
export function checkModels(cfg: ModelParts, channels: number, classes: number): void {
  const t = cfg.teacher;
  const at = (k: string) => `teacher.${k}`;
  if (t.format) {
    if (t.path === undefined)
      throw new ConfigError(
        at('path'),
        `'teacher.format: ${t.format}' needs 'teacher.path' (the model file)`,
      );
    if (!t.taps)
      throw new ConfigError(
        at('taps'),
        `'teacher.format: ${t.format}' needs 'teacher.taps' (the names of its pre-activation tensors; abd inspect-model ${t.path} lists them)`,
      );
    if (t.checkpoint !== undefined)
      throw new ConfigError(
        at('checkpoint'),
        `'teacher.checkpoint' is for our own checkpoints; with 'teacher.format' give 'teacher.path'`,
      );
    if (t.layout !== undefined && t.format !== 'onnx')
      throw new ConfigError(at('layout'), `'teacher.layout' is only for onnx teachers`);
    if (new Set(t.taps).size !== t.taps.length)
      throw new ConfigError(at('taps'), `'teacher.taps' names a tap twice`);
    t.arch ??= `${t.format} ${t.path.replace(/\/+$/, '').split('/').pop()}`;
    const other = cfg.methods.find((m) => !(GENERAL_METHODS as readonly string[]).includes(m));
    if (other)
      throw new ConfigError(
        'methods',
        `'methods': ${other} needs a built-in WRN teacher (its feature maps or gradients); a ${t.format} teacher supports ${GENERAL_METHODS.join(', ')}`,
      );
    if (cfg.ab.teacherBnMode !== 'eval')
      throw new ConfigError(
        'ab.teacherBnMode',
        `'ab.teacherBnMode: ${cfg.ab.teacherBnMode}' needs a built-in teacher; a ${t.format} teacher runs as exported (eval)`,
      );
  } else {
    const own = (['path', 'taps', 'layout', 'logits'] as const).find((k) => t[k] !== undefined);
    if (own)
      throw new ConfigError(
        at(own),
        `'teacher.${own}' needs 'teacher.format' (${TEACHER_FORMATS.join(', ')})`,
      );
    if (t.arch === undefined)
      throw new ConfigError(
        at('arch'),
        `missing required key 'teacher.arch' (or give 'teacher.format', 'teacher.path' and 'teacher.taps')`,
      );
    archCheck('teacher', t.arch, channels, classes, false);
  }
  const s = cfg.student;
  if (s.format) {
    if (s.path === undefined)
      throw new ConfigError(
        'student.path',
        `'student.format: ${s.format}' needs 'student.path' (the architecture's model.json)`,
      );
    if (!s.taps)
      throw new ConfigError(
        'student.taps',
        `'student.format: ${s.format}' needs 'student.taps' (layer names; abd inspect-model ${s.path} lists them)`,
      );
    if (new Set(s.taps).size !== s.taps.length)
      throw new ConfigError('student.taps', `'student.taps' names a tap twice`);
    s.arch ??= `${s.format} ${s.path.replace(/\/+$/, '').split('/').pop()}`;
  } else {
    const own = (['path', 'taps'] as const).find((k) => s[k] !== undefined);
    if (own)
      throw new ConfigError(
        `student.${own}`,
        `'student.${own}' needs 'student.format' (tfjs-layers)`,
      );
    if (s.arch === undefined)
      throw new ConfigError(
        'student.arch',
        `missing required key 'student.arch' (or give 'student.format', 'student.path' and 'student.taps')`,
      );
    archCheck('student', s.arch, channels, classes, true);
  }
  if (s.format || isResNetArch(s.arch!)) {
    const other = cfg.methods.find((m) => !(GENERAL_METHODS as readonly string[]).includes(m));
    if (other)
      throw new ConfigError(
        'methods',
        `'methods': ${other} needs a WRN student (group maps / plain-op BN); a ${s.format ? 'tfjs-layers' : 'ResNet'} student supports ${GENERAL_METHODS.join(', ')}`,
      );
  }
  const S = studentTapCount(cfg);
  const k = t.taps?.length ?? BUILT_IN_TAPS;
  const picked = cfg.ab.studentTaps;
  if (picked) {
    if (picked.length !== k)
      throw new ConfigError(
        'ab.studentTaps',
        `'ab.studentTaps' pairs one student tap with each of the teacher's ${k} taps; got ${picked.length}`,
      );
    const bad = picked.find((p, i) => p > S || (i > 0 && p <= picked[i - 1]));
    if (bad !== undefined)
      throw new ConfigError(
        'ab.studentTaps',
        `'ab.studentTaps' must be increasing tap numbers 1..${S}; got [${picked.join(', ')}]`,
      );
  } else if (k > S) {
    throw new ConfigError(
      'teacher.taps',
      `'teacher.taps' has ${k} taps, the student ${S}; give at most ${S} (or pair them with 'ab.studentTaps')`,
    );
  }
  if (cfg.ab.weights === undefined && k > DEFAULT_WEIGHTS.length)
    throw new ConfigError(
      'ab.weights',
      `'ab.weights' has no default for ${k} taps; give ${k} weights`,
    );
  cfg.ab.weights ??= DEFAULT_WEIGHTS.slice(DEFAULT_WEIGHTS.length - k);
  if (cfg.ab.weights.length !== k)
    throw new ConfigError(
      'ab.weights',
      `'ab.weights' needs one weight per tap (${k}), got ${cfg.ab.weights.length}`,
    );
}

/** 0-based student taps paired with the teacher's, in order (`checkModels` states the rule). */
export function studentTapsOf(
  cfg: { ab: { studentTaps?: number[] }; student: { taps?: string[] } },
  teacherTaps: number,
): number[] {
  if (cfg.ab.studentTaps) return cfg.ab.studentTaps.map((p) => p - 1);
  const S = studentTapCount(cfg);
  return Array.from({ length: teacherTaps }, (_, i) => S - teacherTaps + i);
}

/**
 * Which student taps the AB stage pairs with the teacher's (0-based), or undefined for all of
 * them in order: a built-in student beside our WRN teacher uses its 3 taps as they are; a pairing
 * in the config (`ab.studentTaps`), a user's teacher or a tfjs-layers student takes the rule of
 * `studentTapsOf`. The AB stage and the web view's boundary page both use it.
 */
export function pairedStudentTaps(
  cfg: { ab: { studentTaps?: number[] }; student: { taps?: string[]; format?: string } },
  teacher: TeacherModel,
  teacherTaps: number,
): number[] | undefined {
  return cfg.ab.studentTaps || isForeignTeacher(teacher) || cfg.student.format
    ? studentTapsOf(cfg, teacherTaps)
    : undefined;
}

/** Taps of the student: those named for a tfjs-layers student, else the built-in families' 3. */
export function studentTapCount(cfg: { student: { taps?: string[] } }): number {
  return cfg.student.taps?.length ?? BUILT_IN_TAPS;
}

function archCheck(
  role: 'teacher' | 'student',
  arch: string,
  channels: number,
  classes: number,
  resnetOk: boolean,
): void {
  try {
    if (resnetOk && isResNetArch(arch)) parseResNetName(arch);
    else
      validateWrnConfig({
        ...parseWrnName(arch),
        ...wrnShape,
        inChannels: channels,
        numClasses: classes,
      });
  } catch (e) {
    if (e instanceof ModelConfigError)
      throw new ConfigError(`${role}.arch`, `'${role}.arch': ${e.message}`);
    throw e;
  }
}
