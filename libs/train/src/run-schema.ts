import { z } from 'zod';
import { MAX_BATCH_SIZE, MAX_PAD } from '@abd/data';
import { BASELINE_SCHEMA } from './baseline-params';
import { DATASET_SCHEMA } from './dataset-config';
import { TEACHER_FORMATS } from './model-config';
import { DEFAULT_RECIPE, RECIPE_NAMES, RECIPES } from './recipes';
import { RUN_METHODS } from './run-methods';
import { SCHEDULE_KINDS, ScheduleKind } from './schedule';

/** A WRN or ResNet name, or a label beside `format`; checkModels checks which (with the dataset's shape). */
const arch = z
  .string()
  .regex(/^\S.{0,127}$/)
  .optional();
/** Names of a model file's tensors / layers. */
const tensorNames = z
  .array(z.string().regex(/^\S.{0,255}$/))
  .min(1)
  .optional();
/**
 * Upper bounds so that every count a job reports fits its uint32 field (total_epochs is
 * e1 + e2) and nothing is accepted that a later stage refuses: 8192 is the
 * boundary-extractor's largest batch.
 */
export const RUN_LIMITS = { epochs: 10_000, batchSize: MAX_BATCH_SIZE, seed: 0xffff_ffff } as const;
const epochsOf = (d: number) => z.number().int().min(1).max(RUN_LIMITS.epochs).default(d);
const seedOf = (d: number) => z.number().int().min(0).max(RUN_LIMITS.seed).default(d);
const init = z.enum(['paper', 'torch']).default('paper').describe('weight initialisation');
const schedule = (d: ScheduleKind) => z.enum(SCHEDULE_KINDS).default(d);
/** A section of the config: unknown keys are errors, and an absent section takes its keys' defaults. */
// (`{}` is valid input for every section it is used for: all their keys have defaults.)
const section = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .strict()
    .prefault({} as never);
/** The default recipe's values are the schema's defaults, so the JSON Schema and `abd config keys` show them. */
const R = RECIPES[DEFAULT_RECIPE];

/** The run config schema: the one source of validation, the JSON Schema and the key list (docs/design.md §8 (Configs)). */
export const RUN_SCHEMA = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/)
      .describe('name of the run (the run id, with / as --)'),
    recipe: z
      .enum(RECIPE_NAMES)
      .default(DEFAULT_RECIPE)
      .describe(
        `preset of the recipe keys: ${RECIPE_NAMES.join(' | ')}; explicit keys override it`,
      ),
    seed: seedOf(1).describe('data order and augmentation'),
    dataset: DATASET_SCHEMA,
    // No default for the teacher and student: each needs its arch, so the sections are required.
    teacher: z
      .object({
        arch: arch.describe('teacher WRN, e.g. wrn-16-2 (with format: a label)'),
        checkpoint: z
          .string()
          .optional()
          .describe(
            'trained teacher: a directory (relative to the current directory), builtin:<name> or models/<id> in the store; trained when absent',
          ),
        format: z
          .enum(TEACHER_FORMATS)
          .optional()
          .describe('format of your own teacher file: onnx | tfjs-layers | tfjs-graph'),
        path: z
          .string()
          .optional()
          .describe('your own teacher file (relative to the current directory)'),
        taps: tensorNames.describe(
          "your teacher's pre-activation tensors (abd inspect-model lists them)",
        ),
        layout: z
          .enum(['nchw', 'nhwc'])
          .optional()
          .describe("an ONNX teacher's 4-D layout (default nchw)"),
        logits: z
          .string()
          .regex(/^\S.{0,255}$/)
          .optional()
          .describe('the layer / node / value giving the logits (a model with several outputs)'),
        init,
        seed: seedOf(0),
        epochs: epochsOf(8).describe('CE epochs when the teacher is trained'),
        schedule: schedule(R.teacher.schedule),
      })
      .strict(),
    student: z
      .object({
        arch: arch.describe(
          'student WRN or CIFAR ResNet, e.g. wrn-10-1, resnet-20 (with format: a label)',
        ),
        init,
        seed: seedOf(1),
        format: z
          .enum(['tfjs-layers'])
          .optional()
          .describe('a tfjs LayersModel architecture file as the student'),
        path: z
          .string()
          .optional()
          .describe("the student's model.json (relative to the current directory)"),
        taps: tensorNames.describe("the student's tap layers"),
      })
      .strict(),
    methods: z.array(z.enum(RUN_METHODS)).min(1).default(['none', 'kd', 'ab+kd']),
    epochs: section({
      e1: epochsOf(5).describe('stage 1 (initialisation) epochs'),
      e2: epochsOf(25).describe('stage 2 (classification) epochs'),
    }),
    ab: section({
      mu: z.number().min(0).default(1).describe('margin μ of the AB loss'),
      weights: z
        .array(z.number().min(0))
        .min(1)
        .optional()
        .describe(
          'per-tap weights of the AB loss (default: the published 3/4000, 3/2000, 3/1000, or their last k for k teacher taps)',
        ),
      teacherBnMode: z.enum(['eval', 'train']).default('eval'),
      schedule: schedule(R.ab.schedule),
      resetOptimizer: z
        .boolean()
        .default(R.ab.resetOptimizer)
        .describe('new optimizer at ⌈0.75·E1⌉+1 (the paper code)'),
      studentTaps: z
        .array(z.number().int().min(1))
        .min(1)
        .optional()
        .describe("1-based student taps paired with the teacher's (default: the student's last k)"),
    }),
    kd: section({
      temperature: z.number().min(0.01).default(3),
      t2Factor: z.boolean().default(R.kd.t2Factor).describe('scale the KD term by T²'),
      alpha: z.number().min(0).max(1).default(R.kd.alpha).describe('CE weight: (1−α)·KD + α·CE'),
    }),
    // The baselines' parameters; optional, completed by the method's own validate().
    ...BASELINE_SCHEMA,
    train: section({
      batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).default(128),
      lr: z.number().min(0).default(0.1),
      momentum: z.number().min(0).max(1).default(0.9),
      weightDecay: z.number().min(0).default(5e-4),
      nesterov: z.boolean().default(true),
      schedule: schedule(R.train.schedule),
      augment: section({
        pad: z.number().int().min(0).max(MAX_PAD).default(4).describe('reflect-pad + random crop'),
        flip: z.boolean().default(false),
      }),
      testEvery: z.number().int().min(1).default(1).describe('test every N epochs of stage 2'),
    }),
  })
  .strict();
