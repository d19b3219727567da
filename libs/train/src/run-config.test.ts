import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_BATCH_SIZE, MAX_PAD } from '@abd/data';
import { didYouMean, editDistance } from './did-you-mean';
import { describeRecipe } from './recipes';
import { parseRunConfig, validateRunConfig } from './run-config';
import { configDiff } from './run-store';
import { ConfigError } from './schema';

const base = `name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: wrn-10-1 }\n`;

test('recipe: paper-code is the paper code’s recipe', () => {
  const c = parseRunConfig(`${base}recipe: paper-code\n`);
  assert.equal(c.recipe, 'paper-code');
  assert.equal(c.teacher.schedule, 'paper-epochs');
  assert.equal(c.kd.alpha, 0);
  assert.equal(c.train.lr, 0.1);
  assert.equal(c.train.momentum, 0.9);
  assert.equal(c.train.weightDecay, 5e-4);
  assert.equal(c.train.schedule, 'paper-epochs');
  assert.equal(c.ab.schedule, 'constant');
  assert.equal(c.ab.resetOptimizer, true);
  assert.equal(c.kd.temperature, 3);
  assert.equal(c.kd.t2Factor, false);
  assert.deepEqual(c.ab.weights, [3 / 4000, 3 / 2000, 3 / 1000]);
  assert.deepEqual(c.methods, ['none', 'kd', 'ab+kd']);
});

test('the default recipe is standard: KD·T² + CE, per-step decay in every stage', () => {
  const c = parseRunConfig(base);
  assert.equal(c.recipe, 'standard');
  assert.deepEqual(c.kd, { temperature: 3, t2Factor: true, alpha: 0.1 });
  assert.equal(c.train.schedule, 'per-step');
  assert.equal(c.teacher.schedule, 'per-step');
  assert.equal(c.ab.schedule, 'per-step');
  assert.equal(c.ab.resetOptimizer, false);
  assert.equal(describeRecipe(c), 'standard');
});

test('explicit keys override the recipe, and the report line names them', () => {
  const c = parseRunConfig(
    `${base}recipe: paper-code\nkd: { t2Factor: true }\ntrain: { lr: 0.05 }\n`,
  );
  assert.equal(c.kd.t2Factor, true);
  assert.equal(c.kd.alpha, 0); // still the preset's
  assert.equal(c.train.schedule, 'paper-epochs');
  assert.equal(c.train.lr, 0.05);
  assert.equal(describeRecipe(c), 'paper-code (overridden: kd.t2Factor=true)');
  // The validated config is complete: validating it again is the identity (the trainer does).
  assert.deepStrictEqual(validateRunConfig(JSON.parse(JSON.stringify(c))), c);
  assert.throws(
    () => parseRunConfig(`${base}recipe: standrd\n`),
    /'recipe' must be one of standard, paper-code; got 'standrd' \(did you mean 'standard'\?\)/,
  );
});

test('every error of a file is reported at once, each with its key', () => {
  const text = `${base}train: { batch_size: 64, lr: fast }\ndataset: { name: fasion-mnist }\nmethods: [none, ab_kd]\n`;
  const e = (() => {
    try {
      parseRunConfig(text, 'four.yaml');
    } catch (err) {
      return err as ConfigError;
    }
    assert.fail('no error');
  })();
  assert.ok(e instanceof ConfigError);
  assert.deepEqual(e.issues.map((i) => i.path).sort(), [
    'dataset.name',
    'methods[1]',
    'train.batch_size',
    'train.lr',
  ]);
  assert.match(e.message, /^config: four\.yaml: 4 errors:\n/);
  assert.match(e.message, /unknown key 'train\.batch_size' \(did you mean 'train\.batchSize'\?\)/);
  assert.match(e.message, /got 'fasion-mnist' \(did you mean 'fashion-mnist'\?\)/);
  assert.match(
    e.message,
    /'methods\[1\]' must be one of .*; got 'ab_kd' \(did you mean 'ab\+kd'\?\)/,
  );
  assert.match(e.message, /'train\.lr' must be a number, got 'fast'/);
  // A key at the wrong level is suggested where it lives; a far-off one lists the keys.
  assert.throws(
    () => parseRunConfig(`${base}lr: 0.1\n`),
    /unknown key 'lr' \(did you mean 'train\.lr'\?\)/,
  );
  assert.throws(
    () => parseRunConfig(`${base}train: { zzz: 1 }\n`),
    /unknown key 'train\.zzz' \(known here: batchSize, lr,/,
  );
  // Cross-key rules of sections that pass the schema are reported beside schema errors.
  const both = (() => {
    try {
      parseRunConfig(
        `name: t\nteacher: { arch: wrn-16-2 }\ntrain: { lr: x }\nfitnets: { regressorKernel: 2 }\nstudent: { arch: wrn-11-1 }\n`,
      );
    } catch (err) {
      return err as ConfigError;
    }
    assert.fail('no error');
  })();
  assert.deepEqual(both.issues.map((i) => i.path).sort(), [
    'fitnets.regressorKernel',
    'student.arch',
    'train.lr',
  ]);
});

test('did you mean: separators and case, then a small edit distance', () => {
  assert.equal(didYouMean('batch_size', ['batchSize', 'lr']), 'batchSize');
  assert.equal(didYouMean('fasion-mnist', ['fashion-mnist', 'mnist', 'cifar10']), 'fashion-mnist');
  assert.equal(didYouMean('ab_kd', ['none', 'kd', 'ab+kd', 'ab+ce']), 'ab+kd');
  assert.equal(didYouMean('xyz', ['batchSize', 'lr']), undefined);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('an unknown key is an error naming the key and the file', () => {
  assert.throws(
    () => parseRunConfig(`${base}train: { lrr: 0.1 }\n`, 'x.yaml'),
    /x\.yaml: unknown key 'train\.lrr'/,
  );
  assert.throws(() => parseRunConfig(`${base}bogus: 1\n`), /unknown key 'bogus'/);
});

test('a wrong type or value is an error naming the key', () => {
  assert.throws(
    () => parseRunConfig(`${base}train: { lr: fast }\n`),
    /'train\.lr' must be a number, got 'fast'/,
  );
  assert.throws(
    () => parseRunConfig(`${base}epochs: { e1: 1.5 }\n`),
    /'epochs\.e1' must be an integer/,
  );
  assert.throws(
    () => parseRunConfig(`${base}methods: [none, magic]\n`),
    /'methods\[1\]' must be one of/,
  );
  assert.throws(
    () => parseRunConfig(`${base}train: { schedule: cosine }\n`),
    /'train\.schedule' must be one of/,
  );
  assert.throws(
    () => parseRunConfig(`name: t\nstudent: { arch: wrn-10-1 }\n`),
    /missing required key 'teacher\.arch'/,
  );
  assert.throws(
    () => parseRunConfig(`${base}dataset: { subset: { fraction: 0.1, count: 5 } }\n`),
    /exactly one of/,
  );
  assert.throws(() => parseRunConfig(`${base}: [`), /not valid YAML/);
});

test("the batch size and pad limits are the boundary-extractor's, so a config that validates here runs remotely", () => {
  assert.equal(
    parseRunConfig(`${base}train: { batchSize: ${MAX_BATCH_SIZE}, augment: { pad: ${MAX_PAD} } }\n`)
      .train.batchSize,
    MAX_BATCH_SIZE,
  );
  assert.throws(
    () => parseRunConfig(`${base}train: { batchSize: ${MAX_BATCH_SIZE + 1} }\n`),
    /'train\.batchSize' must be ≤ 8192/,
  );
  assert.throws(
    () => parseRunConfig(`${base}train: { augment: { pad: ${MAX_PAD + 1} } }\n`),
    /'train\.augment\.pad' must be ≤ 16/,
  );
});

test('every committed config validates', () => {
  const root = join(__dirname, '..', '..', '..', 'configs');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.yaml') ? [join(d, e.name)] : [],
    );
  const files = walk(root);
  assert.ok(files.length >= 3);
  for (const f of files) parseRunConfig(readFileSync(f, 'utf8'), f);
});

test('a run stored before recipes existed (no recipe key) resumes under the same values, not under others', () => {
  const now = parseRunConfig(`${base}recipe: paper-code\n`);
  const { recipe: _r, ...before } = JSON.parse(JSON.stringify(now)) as Record<string, unknown>;
  assert.deepEqual(configDiff(before, now), []);
  assert.deepEqual(configDiff(before, parseRunConfig(base)).sort(), [
    'ab.resetOptimizer',
    'ab.schedule',
    'kd.alpha',
    'kd.t2Factor',
    'teacher.schedule',
    'train.schedule',
  ]);
  assert.deepEqual(configDiff({ ...before, recipe: 'standard' }, now), ['recipe']);
});
