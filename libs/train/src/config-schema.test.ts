import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
// A stock JSON Schema validator (pinned in package.json): what an editor or another tool would use.
import Ajv from 'ajv';
import { parse } from 'yaml';
import {
  configKeys,
  RUN_CONFIG_SCHEMA_FILE,
  runConfigJsonSchema,
  runConfigJsonSchemaText,
} from './config-schema';
import { parseRunConfig } from './run-config';

const ROOT = resolve(__dirname, '..', '..', '..');
const SCHEMA_PATH = join(ROOT, RUN_CONFIG_SCHEMA_FILE);

function yamlFiles(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

const ajvValidate = () =>
  new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));

test('the committed JSON Schema is the one generated from the validator’s schema', () => {
  assert.equal(
    readFileSync(SCHEMA_PATH, 'utf8'),
    runConfigJsonSchemaText(),
    `regenerate with: npx tsx tools/gen-config-schema.ts`,
  );
});

test('every config under configs/ references the schema file by a path that reaches it', () => {
  const files = yamlFiles(join(ROOT, 'configs'));
  assert.ok(files.length >= 6, `${files.length} configs`);
  for (const f of files) {
    const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(f, 'utf8'));
    assert.ok(m, `${f} has no yaml-language-server $schema line`);
    assert.equal(resolve(dirname(f), m[1]), SCHEMA_PATH, f);
  }
});

test('every config under configs/ passes the JSON Schema (ajv) and our validator', () => {
  const validate = ajvValidate();
  for (const f of yamlFiles(join(ROOT, 'configs'))) {
    const text = readFileSync(f, 'utf8');
    assert.ok(validate(parse(text)), `${f}: ${JSON.stringify(validate.errors)}`);
    parseRunConfig(text, f);
  }
});

test('the JSON Schema refuses what our validator refuses: unknown keys, wrong types, out-of-range values, bad enums', () => {
  const validate = ajvValidate();
  const base = { name: 't', teacher: { arch: 'wrn-16-2' }, student: { arch: 'wrn-10-1' } };
  const bad: Record<string, unknown>[] = [
    { ...base, train: { batch_size: 64 } },
    { ...base, train: { lr: 'fast' } },
    { ...base, train: { batchSize: 8193 } },
    { ...base, methods: ['ab_kd'] },
    { ...base, recipe: 'standrd' },
    { ...base, ab: { weights: [] } },
    { name: 't', student: { arch: 'wrn-10-1' } },
  ];
  for (const raw of bad) {
    assert.equal(validate(raw), false, `ajv accepted ${JSON.stringify(raw)}`);
    assert.throws(() => parseRunConfig(JSON.stringify(raw)), /config:/, JSON.stringify(raw));
  }
  assert.ok(validate(base), JSON.stringify(validate.errors));
});

test('the key list covers the schema: types and the default recipe’s defaults', () => {
  const keys = new Map(configKeys(runConfigJsonSchema()).map((k) => [k.path, k]));
  assert.ok(keys.size >= 50, `${keys.size} keys`);
  assert.equal(keys.get('train.batchSize')?.default, 128);
  assert.equal(keys.get('train.batchSize')?.type, 'integer 1..8192');
  assert.equal(keys.get('kd.t2Factor')?.default, true);
  assert.equal(keys.get('recipe')?.type, 'standard | paper-code');
  // A teacher is an arch or a file (format + path + taps): the arch is required only without a format.
  assert.equal(keys.get('teacher.arch')?.required, false);
  assert.equal(keys.get('name')?.required, true);
});
