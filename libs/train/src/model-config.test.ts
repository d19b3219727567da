import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from './run-config';
import { studentTapsOf } from './model-config';

const data = 'dataset: { format: image-folder, path: data/own }\n';
const onnx = (taps: string) =>
  `name: t\n${data}teacher: { format: onnx, path: nets/teacher.onnx, taps: ${taps} }\nstudent: { arch: resnet-8 }\nmethods: [kd, ab+kd]\n`;

test('a teacher file: the label comes from its name, its k taps pair with the student’s last k, weights default to the last k published', () => {
  const c = parseRunConfig(onnx('[a, b]'));
  assert.equal(c.teacher.arch, 'onnx teacher.onnx');
  assert.deepEqual(c.ab.weights, [3 / 2000, 3 / 1000]);
  assert.deepEqual(studentTapsOf(c, 2), [1, 2]);
  const one = parseRunConfig(onnx('[a]'));
  assert.deepEqual(one.ab.weights, [3 / 1000]);
  assert.deepEqual(studentTapsOf(one, 1), [2]);
  const chosen = parseRunConfig(`${onnx('[a, b]')}ab: { studentTaps: [1, 3], weights: [1, 2] }\n`);
  assert.deepEqual(studentTapsOf(chosen, 2), [0, 2]);
  assert.deepEqual(chosen.ab.weights, [1, 2]);
  // The built-in pair keeps its three published weights and all three taps.
  const wrn = parseRunConfig('name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: wrn-10-1 }\n');
  assert.deepEqual(wrn.ab.weights, [3 / 4000, 3 / 2000, 3 / 1000]);
  assert.deepEqual(Object.keys(wrn.ab), [
    'mu',
    'weights',
    'teacherBnMode',
    'schedule',
    'resetOptimizer',
  ]);
  assert.deepEqual(studentTapsOf(wrn, 3), [0, 1, 2]);
  // A tfjs-layers student has the taps it names: two teacher taps pair with the last two of four.
  const own = parseRunConfig(
    `name: t\n${data}teacher: { format: onnx, path: t.onnx, taps: [a, b] }\nstudent: { format: tfjs-layers, path: nets/s, taps: [s1, s2, s3, s4] }\n`,
  );
  assert.equal(own.student.arch, 'tfjs-layers s');
  assert.deepEqual(studentTapsOf(own, 2), [2, 3]);
});

test('ResNet students by name, with or without the hyphen; WRN-only methods refused for them and for teacher files', () => {
  for (const arch of ['resnet-8', 'resnet20', 'resnet8x4', 'RESNET-110'])
    assert.equal(
      parseRunConfig(`name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: ${arch} }\n`).student
        .arch,
      arch,
    );
  assert.throws(
    () => parseRunConfig('name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: resnet-9 }\n'),
    /'student\.arch': not a CIFAR ResNet name: 'resnet-9'/,
  );
  assert.throws(
    () => parseRunConfig('name: t\nteacher: { arch: resnet-8 }\nstudent: { arch: wrn-10-1 }\n'),
    /'teacher\.arch'/,
  );
  assert.throws(
    () =>
      parseRunConfig(
        'name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: resnet-8 }\nmethods: [at+kd]\n',
      ),
    /at\+kd needs a WRN student/,
  );
  assert.throws(
    () => parseRunConfig(`${onnx('[a]')}methods: [fsp+kd]\n`.replace('methods: [kd, ab+kd]\n', '')),
    /fsp\+kd needs a built-in WRN teacher/,
  );
});

test('a teacher file’s config errors name the key', () => {
  const cases: [string, RegExp][] = [
    [
      `name: t\n${data}teacher: { format: onnx, taps: [a] }\nstudent: { arch: resnet-8 }\n`,
      /'teacher\.format: onnx' needs 'teacher\.path'/,
    ],
    [
      `name: t\n${data}teacher: { format: onnx, path: t.onnx }\nstudent: { arch: resnet-8 }\n`,
      /needs 'teacher\.taps'.*abd inspect-model t\.onnx/,
    ],
    [
      `name: t\nteacher: { arch: wrn-16-2, taps: [a] }\nstudent: { arch: resnet-8 }\n`,
      /'teacher\.taps' needs 'teacher\.format'/,
    ],
    [
      `name: t\nteacher: { path: t.onnx }\nstudent: { arch: resnet-8 }\n`,
      /'teacher\.path' needs 'teacher\.format'/,
    ],
    [
      `name: t\nteacher: { arch: wrn-16-2 }\nstudent: { format: tfjs-layers, path: s }\n`,
      /'student\.format: tfjs-layers' needs 'student\.taps'/,
    ],
    [
      `name: t\nteacher: { arch: wrn-16-2 }\nstudent: { arch: wrn-10-1, taps: [a] }\n`,
      /'student\.taps' needs 'student\.format'/,
    ],
    [
      `name: t\nteacher: { arch: wrn-16-2 }\nstudent: { format: tfjs-layers, path: s, taps: [a, b] }\n`,
      /'teacher\.taps' has 3 taps, the student 2/,
    ],
    [
      `name: t\nteacher: { arch: wrn-16-2 }\nstudent: { format: tfjs-layers, path: s, taps: [a, b, c] }\nmethods: [fitnets+kd]\n`,
      /fitnets\+kd needs a WRN student.*tfjs-layers student supports/,
    ],
    [
      `name: t\nteacher: { arch: wrn-16-2, logits: out }\nstudent: { arch: resnet-8 }\n`,
      /'teacher\.logits' needs 'teacher\.format'/,
    ],
    [`name: t\nstudent: { arch: resnet-8 }\n`, /missing required key 'teacher\.arch'/],
    [`${onnx('[a, a]')}`, /names a tap twice/],
    [`${onnx('[a, b, c, d]')}`, /'teacher\.taps' has 4 taps, the student 3/],
    [
      `${onnx('[a, b]')}ab: { studentTaps: [2] }\n`,
      /'ab\.studentTaps' pairs one student tap with each of the teacher's 2 taps; got 1/,
    ],
    [`${onnx('[a, b]')}ab: { studentTaps: [3, 1] }\n`, /must be increasing tap numbers 1\.\.3/],
    [
      `${onnx('[a, b]')}ab: { weights: [1, 2, 3] }\n`,
      /'ab\.weights' needs one weight per tap \(2\), got 3/,
    ],
    [
      `${onnx('[a]')}ab: { teacherBnMode: train }\n`,
      /'ab\.teacherBnMode: train' needs a built-in teacher/,
    ],
    [
      `name: t\n${data}teacher: { format: tfjs-layers, path: m, taps: [a], layout: nhwc }\nstudent: { arch: resnet-8 }\n`,
      /'teacher\.layout' is only for onnx teachers/,
    ],
    [
      `name: t\n${data}teacher: { format: onnx, path: m.onnx, taps: [a], checkpoint: models/x }\nstudent: { arch: resnet-8 }\n`,
      /'teacher\.checkpoint' is for our own checkpoints/,
    ],
  ];
  for (const [text, msg] of cases) assert.throws(() => parseRunConfig(text), msg, text);
});
