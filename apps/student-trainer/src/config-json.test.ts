import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStore } from '@abd/artifacts';
import { InvalidArgumentError } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import {
  parseRunConfig,
  runConfigJsonSchema,
  validateRunConfig,
  type JsonSchemaNode,
  type RunConfig,
} from '@abd/train';
import { jobSpecsOf } from '@abd/train-io';
import { baseRawConfig, kdRawConfig, runConfigOf, toRunConfig } from './job-spec';

const ROOT = resolve(__dirname, '../../..');
let dir: string;
let store: LocalStore;

const modelJson = (depth: number, widen: number) => ({
  modelTopology: { config: { depth, widen, inChannels: 1, numClasses: 10 } },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'abd-config-json-'));
  store = new LocalStore(dir);
  for (const [id, d, k] of [
    ['t-16-2', 16, 2],
    ['t-22-4', 22, 4],
    ['t-10-2', 10, 2],
  ] as const)
    await store.put(`models/${id}/model.json`, Buffer.from(JSON.stringify(modelJson(d, k))));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Through the wire: JobSpec encoded and decoded as the trainer receives it. */
const wire = (s: studentTrainer.JobSpec) =>
  studentTrainer.JobSpec.decode(studentTrainer.JobSpec.encode(s).finish());

/** RunConfig → JobSpec (per method) → bytes → JobSpec → RunConfig must be the identity. */
async function assertRoundTrip(cfg: RunConfig, teacherId: string, label: string): Promise<void> {
  const specs = jobSpecsOf(cfg, teacherId);
  assert.equal(specs.length, cfg.methods.length);
  for (const [i, spec] of specs.entries()) {
    const back = await runConfigOf(wire(spec), store, 'job-1');
    const want = {
      ...cfg,
      methods: [cfg.methods[i]],
      teacher: cfg.teacher.format
        ? cfg.teacher
        : { ...cfg.teacher, checkpoint: `models/${teacherId}` },
    };
    assert.deepStrictEqual(back, want, `${label}: ${cfg.methods[i]}`);
  }
}

function yamlFiles(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

test('every config under configs/ survives RunConfig → JobSpec → RunConfig unchanged, for each of its methods', async () => {
  const files = yamlFiles(join(ROOT, 'configs'));
  assert.ok(files.length >= 6, `found ${files.length} configs`);
  for (const f of files) {
    const cfg = parseRunConfig(readFileSync(f, 'utf8'), f);
    await assertRoundTrip(cfg, `t-${cfg.teacher.arch.replace(/^wrn-/, '')}`, f);
  }
});

/** A valid value for every key of the schema, each different from its default. */
const NON_DEFAULT = {
  name: 'x/non-default',
  recipe: 'paper-code',
  seed: 7,
  dataset: { name: 'mnist', dir: 'data/elsewhere', subset: { count: 50, seed: 3 } },
  teacher: {
    arch: 'wrn-10-2',
    checkpoint: 'models/t-10-2',
    init: 'torch',
    seed: 5,
    epochs: 3,
    schedule: 'paper-epochs',
  },
  student: { arch: '10-1', init: 'torch', seed: 9 },
  methods: ['none', 'kd', 'ab+kd', 'ab+ce', 'fitnets+kd', 'at+kd', 'fsp+kd', 'jacobian+kd'],
  epochs: { e1: 2, e2: 3 },
  ab: {
    mu: 0.5,
    weights: [0.1, 0.2, 0.3],
    teacherBnMode: 'train',
    schedule: 'constant',
    resetOptimizer: true,
    studentTaps: [1, 2, 3],
  },
  kd: { temperature: 4, t2Factor: false, alpha: 0.25 },
  fitnets: { studentTap: 1, teacherTap: 3, regressorKernel: 3, weight: 0.01 },
  at: { beta: 500, p: 4, taps: [2, 3], form: 'paper' },
  fsp: { groups: [2, 3], weights: [0.1, 0.3] },
  jacobian: { lambda: 0.5, output: 'label', mode: 'first-order', fdEps: 0.01 },
  train: {
    batchSize: 16,
    lr: 0.05,
    momentum: 0.5,
    weightDecay: 1e-3,
    nesterov: false,
    schedule: 'constant',
    augment: { pad: 2, flip: true },
    testEvery: 3,
  },
} as const;
/** `dataset.subset` takes a count or a fraction: the fraction's non-default set. */
const NON_DEFAULT_FRACTION = {
  ...NON_DEFAULT,
  dataset: { ...NON_DEFAULT.dataset, subset: { fraction: 0.3, seed: 3 } },
};
/** A dataset given by format + path: the keys of that form (cross-field rules: shape is cifar-binary's, layout npy/npz's). */
const NON_DEFAULT_CIFAR = {
  ...NON_DEFAULT,
  dataset: {
    name: 'own-cifar',
    format: 'cifar-binary',
    path: 'data/own-cifar',
    classNames: ['a', 'b', 'c'],
    shape: { height: 8, width: 6, channels: 3 },
    files: {
      trainImages: 'ti',
      trainLabels: 'tl',
      testImages: 'vi',
      testLabels: 'vl',
      train: ['train.bin'],
      test: ['test.bin'],
    },
    subset: { count: 9, seed: 2 },
  },
};
const NON_DEFAULT_NPZ = {
  ...NON_DEFAULT,
  dataset: { format: 'npz', path: 'data/own.npz', layout: 'nchw' },
};
/** A user's teacher file with its taps, paired with two of a ResNet student's taps (methods: those it serves). */
const NON_DEFAULT_FOREIGN = {
  ...NON_DEFAULT,
  teacher: {
    arch: 'my torch net',
    format: 'onnx',
    path: 'teachers/net.onnx',
    taps: ['/conv1/Conv_output_0', '/conv2/Conv_output_0'],
    layout: 'nhwc',
    logits: '/fc/Gemm_output_0',
    init: 'torch',
    seed: 5,
    epochs: 3,
    schedule: 'per-step',
  },
  student: { arch: 'resnet-8', init: 'torch', seed: 9 },
  methods: ['none', 'kd', 'ab+kd', 'ab+ce'],
  ab: { ...NON_DEFAULT.ab, weights: [0.2, 0.3], teacherBnMode: 'eval', studentTaps: [1, 3] },
};
/** A tfjs LayersModel architecture file as the student, with its tap layers. */
const NON_DEFAULT_TFJS_STUDENT = {
  ...NON_DEFAULT_FOREIGN,
  student: {
    arch: 'my keras net',
    format: 'tfjs-layers',
    path: 'nets/student',
    taps: ['bn1', 'bn2', 'bn3'],
    init: 'torch',
    seed: 9,
  },
};
const SETS = [
  NON_DEFAULT,
  NON_DEFAULT_FRACTION,
  NON_DEFAULT_CIFAR,
  NON_DEFAULT_NPZ,
  NON_DEFAULT_FOREIGN,
  NON_DEFAULT_TFJS_STUDENT,
];

/** Leaf paths of the run config's JSON Schema (generated from the validator's schema), each with whether it is required. */
function leaves(
  node: JsonSchemaNode,
  path: string[] = [],
  required = true,
): [string[], { required: boolean }][] {
  return node.properties
    ? Object.entries(node.properties).flatMap(([k, s]) =>
        leaves(s, [...path, k], node.required?.includes(k) ?? false),
      )
    : [[path, { required }]];
}
const at = (o: unknown, p: string[]): unknown =>
  p.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
function withLeaf(o: Record<string, unknown>, p: string[], v: unknown): Record<string, unknown> {
  const [k, ...rest] = p;
  return {
    ...o,
    [k]: rest.length ? withLeaf((o[k] ?? {}) as Record<string, unknown>, rest, v) : v,
  };
}

test('the non-default set covers every key of the run schema, and each key alone or all together round-trips', async () => {
  const minimal = { name: 'x/min', teacher: { arch: 'wrn-10-2' }, student: { arch: 'wrn-10-1' } };
  const defaults = validateRunConfig(minimal);
  const all = leaves(runConfigJsonSchema());
  assert.ok(all.length >= 50, `${all.length} keys`);
  for (const [p, spec] of all) {
    const v = SETS.map((o) => at(o, p)).find((x) => x !== undefined);
    assert.notEqual(v, undefined, `NON_DEFAULT lacks ${p.join('.')}`);
    // Required keys (name) have no default to differ from; an arch is optional only beside its format.
    if (!spec.required && !['teacher.arch', 'student.arch'].includes(p.join('.')))
      assert.notDeepEqual(v, at(defaults, p), `${p.join('.')} equals its default`);
  }
  for (const set of SETS) await assertRoundTrip(validateRunConfig(set), 't-10-2', 'all keys');
  for (const [p] of all) {
    // A subset's keys go together (count or fraction, with a seed), and FSP's groups with their
    // weights; the teacher's arch and checkpoint are pinned to the stored teacher; every other
    // key varies alone.
    if (p[0] === 'teacher' && (p[1] === 'arch' || p[1] === 'checkpoint')) continue;
    // A format + path dataset's keys go together too (the format decides which are allowed).
    const ownData = p[0] === 'dataset' && !['name', 'dir', 'subset'].includes(p[1]);
    // So do a teacher file's (format, path, taps, layout, logits), with the methods it serves.
    if (p[0] === 'teacher' && ['format', 'path', 'taps', 'layout', 'logits'].includes(p[1])) {
      await assertRoundTrip(
        validateRunConfig({
          ...minimal,
          teacher: NON_DEFAULT_FOREIGN.teacher,
          methods: NON_DEFAULT_FOREIGN.methods,
        }),
        't-10-2',
        p.join('.'),
      );
      continue;
    }
    if (p[0] === 'student' && ['format', 'path', 'taps'].includes(p[1])) {
      await assertRoundTrip(
        validateRunConfig({
          ...minimal,
          student: NON_DEFAULT_TFJS_STUDENT.student,
          methods: NON_DEFAULT_FOREIGN.methods,
        }),
        't-10-2',
        p.join('.'),
      );
      continue;
    }
    const key = ownData
      ? ['dataset']
      : p[0] === 'dataset' && p[1] === 'subset'
        ? ['dataset', 'subset']
        : p[0] === 'fsp'
          ? ['fsp']
          : p;
    const set = SETS.find((o) => at(o, p) !== undefined)!;
    await assertRoundTrip(
      validateRunConfig(withLeaf(minimal, key, at(set, key))),
      't-10-2',
      p.join('.'),
    );
  }
});

function specWith(
  edit: (raw: Record<string, unknown>) => void,
  spec: Partial<studentTrainer.JobSpec> = {},
): studentTrainer.JobSpec {
  const [s] = jobSpecsOf(validateRunConfig({ ...NON_DEFAULT, methods: ['ab+kd'] }), 't-10-2');
  const run = (s.kind as { run: studentTrainer.RunJob }).run;
  const raw = JSON.parse(run.configJson) as Record<string, unknown>;
  edit(raw);
  return {
    ...s,
    ...spec,
    kind: { $case: 'run', run: { ...run, configJson: JSON.stringify(raw) } },
  };
}

async function assertRejects(spec: studentTrainer.JobSpec, field: RegExp): Promise<void> {
  await assert.rejects(
    runConfigOf(wire(spec), store, 'job-1'),
    (e: unknown) => e instanceof InvalidArgumentError && field.test(e.message),
    `expected INVALID_ARGUMENT on ${field}`,
  );
}

test('an invalid or contradicting config_json is INVALID_ARGUMENT naming the field, never a default', async () => {
  await assertRejects(
    specWith((r) => ((r.ab as Record<string, unknown>).schedule = 'cosine')),
    /config_json\.ab\.schedule/,
  );
  await assertRejects(
    specWith((r) => ((r.train as Record<string, unknown>).testEvery = 0)),
    /config_json\.train\.testEvery/,
  );
  await assertRejects(
    specWith((r) => ((r.train as Record<string, unknown>).bogus = 1)),
    /config_json\.train/,
  );
  await assertRejects(
    specWith((r) => (r.methods = ['kd', 'ab+kd'])),
    /config_json\.methods/,
  );
  await assertRejects(
    specWith((r) => ((r.teacher as Record<string, unknown>).arch = 'wrn-16-2')),
    /config_json\.teacher\.arch/,
  );
  await assertRejects(
    specWith(() => {}, { seed: 3 }),
    /spec\.seed/,
  );
  await assertRejects(
    specWith(() => {}, { batchSize: 32 }),
    /spec\.batch_size/,
  );
  await assertRejects(
    specWith((r) => ((r.kd as Record<string, unknown>).temperature = null)),
    /config_json\.kd\.temperature/,
  );
  // JSON would write a NaN as null (= "take the default"): refused before it is sent.
  const nan = validateRunConfig({ ...NON_DEFAULT, methods: ['kd'] });
  nan.train.lr = NaN;
  assert.throws(() => jobSpecsOf(nan, 't-10-2'), /train\.lr/);
  const s = specWith(() => {});
  (s.kind as { run: studentTrainer.RunJob }).run.configJson = '{ not json';
  await assertRejects(s, /config_json/);
});

test('a structured JobSpec keeps the paper code’s recipe (its zero values mean it), not the config files’ default', () => {
  const raw = baseRawConfig(studentTrainer.JobSpec.fromPartial({ name: 'j' }), 'j');
  const cfg = toRunConfig({
    ...raw,
    teacher: { arch: 'wrn-10-2' },
    student: { arch: 'wrn-10-1' },
    kd: kdRawConfig(undefined, 'spec.run.kd'),
  });
  assert.equal(cfg.recipe, 'paper-code');
  assert.deepEqual(
    [cfg.kd.t2Factor, cfg.kd.alpha, cfg.train.schedule, cfg.ab.schedule],
    [false, 0, 'paper-epochs', 'constant'],
  );
  // A config without `recipe` (what a file writer gets by default) is the standard one.
  assert.equal(
    validateRunConfig({ name: 'x', teacher: { arch: 'wrn-10-2' }, student: { arch: 'wrn-10-1' } })
      .kd.t2Factor,
    true,
  );
});
