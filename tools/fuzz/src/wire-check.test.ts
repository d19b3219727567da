import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from './message-arbitrary';
import { loadMethods } from './protos';
import { SEEDS } from './seeds';
import { isWellFormed } from './wire-check';

const methods = loadMethods();
const type = (path: string) => methods.find((m) => m.path === path)!.request;

test('wire check: every seed request encoded by protobufjs is well formed', () => {
  for (const m of methods)
    assert.ok(isWellFormed(m.request, encodeMessage(m.request, SEEDS[m.path] ?? {})), m.path);
});

test('wire check: wire type 7, a wire type not matching the field, and truncation are not', () => {
  const get = type('abd.v1.StudentTrainer/GetJob');
  assert.equal(isWellFormed(get, Buffer.from([0x0f, 0x01])), false); // field 1, wire type 7
  assert.equal(isWellFormed(get, Buffer.from([0x08, 0x01])), false); // job_id (string) as a varint
  assert.equal(isWellFormed(get, Buffer.from([0x0a, 0x05, 0x61])), false); // 5 bytes announced, 1 given
  assert.equal(isWellFormed(get, Buffer.from([0x0a, 0x01, 0x61, 0x10, 0x07])), true); // plus an unknown varint field
  const infer = type('abd.v1.TeacherInference/Infer');
  // images.shape packed (wire type 2) and unpacked (wire type 0) are both valid.
  assert.equal(isWellFormed(infer, Buffer.from([0x1a, 0x04, 0x12, 0x02, 0x01, 0x02])), true);
  assert.equal(isWellFormed(infer, Buffer.from([0x1a, 0x02, 0x10, 0x01])), true);
  assert.equal(isWellFormed(infer, Buffer.from([0x1a, 0x02, 0x17, 0x01])), false);
});
