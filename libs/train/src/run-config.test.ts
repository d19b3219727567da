import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_BATCH_SIZE, MAX_PAD } from '@abd/data';
import { parseRunConfig } from './run-config';

const base = `name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: wrn-10-1 }\n`;

test('defaults are the paper code’s recipe', () => {
  const c = parseRunConfig(base);
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

test('an unknown key is an error naming the key and the file', () => {
  assert.throws(() => parseRunConfig(`${base}train: { lrr: 0.1 }\n`, 'x.yaml'), /x\.yaml: unknown key 'train\.lrr'/);
  assert.throws(() => parseRunConfig(`${base}bogus: 1\n`), /unknown key 'bogus'/);
});

test('a wrong type or value is an error naming the key', () => {
  assert.throws(() => parseRunConfig(`${base}train: { lr: fast }\n`), /'train\.lr' must be a number, got 'fast'/);
  assert.throws(() => parseRunConfig(`${base}epochs: { e1: 1.5 }\n`), /'epochs\.e1' must be an integer/);
  assert.throws(() => parseRunConfig(`${base}methods: [none, magic]\n`), /'methods\[1\]' must be one of/);
  assert.throws(() => parseRunConfig(`${base}train: { schedule: cosine }\n`), /'train\.schedule' must be one of/);
  assert.throws(() => parseRunConfig(`name: t\nstudent: { arch: wrn-10-1 }\n`), /missing required key 'teacher\.arch'/);
  assert.throws(() => parseRunConfig(`${base}dataset: { subset: { fraction: 0.1, count: 5 } }\n`), /exactly one of/);
  assert.throws(() => parseRunConfig(`${base}: [`), /not valid YAML/);
});

test('the batch size and pad limits are the boundary-extractor\'s, so a config that validates here runs remotely', () => {
  assert.equal(parseRunConfig(`${base}train: { batchSize: ${MAX_BATCH_SIZE}, augment: { pad: ${MAX_PAD} } }\n`).train.batchSize, MAX_BATCH_SIZE);
  assert.throws(() => parseRunConfig(`${base}train: { batchSize: ${MAX_BATCH_SIZE + 1} }\n`), /'train\.batchSize' must be ≤ 8192/);
  assert.throws(() => parseRunConfig(`${base}train: { augment: { pad: ${MAX_PAD + 1} } }\n`), /'train\.augment\.pad' must be ≤ 16/);
});

test('every committed config validates', () => {
  const root = join(__dirname, '..', '..', '..', 'configs');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.yaml') ? [join(d, e.name)] : []));
  const files = walk(root);
  assert.ok(files.length >= 3);
  for (const f of files) parseRunConfig(readFileSync(f, 'utf8'), f);
});
