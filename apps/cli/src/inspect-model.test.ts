import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const ONNX = join(__dirname, '..', '..', '..', 'libs', 'models', 'reference', 'tiny_teacher.onnx');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], { encoding: 'utf8' });

test('abd inspect-model lists an ONNX teacher’s values with their shapes (table and --json)', () => {
  const r = abd('inspect-model', ONNX, '--input', '2,12,10,3');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /onnx, probed with input \[2, 12, 10, 3\]/);
  assert.match(r.stdout, /\/net\/conv1\/Conv_output_0\s+Conv\s+\[2, 12, 10, 4\]/);
  assert.match(r.stdout, /logits\s+Gemm\s+\[2, 5\]/);
  const j = abd('inspect-model', ONNX, '--json');
  assert.equal(j.status, 0, j.stderr);
  const parsed = JSON.parse(j.stdout) as {
    format: string;
    candidates: Array<{ name: string; shape: number[] }>;
  };
  assert.equal(parsed.format, 'onnx');
  assert.deepEqual(
    parsed.candidates.find((c) => c.name === '/net/conv2/Conv_output_0')?.shape,
    [1, 6, 5, 6],
  );
});

test('abd inspect-model: unknown format, bad --input and wrong input shape are clear errors', () => {
  const tmp = tempDir('abd-inspect-');
  try {
    const pt = join(tmp.dir, 'teacher.pt');
    writeFileSync(pt, 'x');
    const r = abd('inspect-model', pt);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^abd: unknown model format: .*teacher\.pt \(expected an \.onnx file, or a tfjs model\.json/,
    );
    const bad = abd('inspect-model', ONNX, '--input', '1,x');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--input must be positive integers/);
    const wrong = abd('inspect-model', ONNX, '--input', '1,32,32,3');
    assert.equal(wrong.status, 1);
    assert.match(
      wrong.stderr,
      /^abd: .*\(its input is NCHW\): input dimension 2 of \[\?,3,12,10\] is 12, --input gave 32/,
    );
  } finally {
    tmp.cleanup();
  }
});
