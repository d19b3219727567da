import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { backendReport, BackendUnavailableError, initBackend } from './backend';

test('initBackend picks wasm here (no tfjs-node), registers our kernels, and is idempotent', async () => {
  const a = await initBackend();
  const b = await initBackend();
  assert.equal(a, b, 'second call returns the same info');
  assert.equal(tf.getBackend(), a.backend);
  if (a.choice === 'wasm') {
    assert.equal(a.simd, tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
    assert.ok(a.threads >= 1);
    assert.deepEqual(a.ourKernels.sort(), [
      'BatchMatMul',
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'Identity',
      'Tile',
    ]);
    for (const k of a.ourKernels) assert.ok(tf.getKernel(k, 'wasm'), `${k} registered`);
    assert.match(a.versions['@tensorflow/tfjs-backend-wasm'], /^\d+\.\d+\.\d+/);
    assert.equal(a.versions['tfjs-core'], tf.version_core);
    assert.match(a.skipped.tensorflow ?? '', /tfjs-node/);
  }
  assert.ok(tf.getGradient(tf.Conv2D), 'tfjs gradients are registered');
  assert.ok(tf.getGradient(tf.LogicalAnd), 'zero gradients for logical ops');
});

test('backendReport prints backend, versions, kernels and the native status', async () => {
  const info = await initBackend();
  const text = backendReport();
  assert.equal(text, backendReport(info));
  assert.match(text, new RegExp(`^backend: +${info.backend} \\(${info.choice}\\)`));
  assert.match(text, /versions: +tfjs-core \d/);
  assert.match(text, /native: +(loaded|not loaded)/);
  if (info.choice === 'wasm') assert.match(text, /kernels: +.*Conv2DBackpropFilter/);
});

test('initBackend switches to a named backend and back', async () => {
  const cpu = await initBackend({ backend: 'cpu' });
  assert.equal(cpu.backend, 'cpu');
  assert.deepEqual(cpu.ourKernels, []);
  assert.match(backendReport(cpu), /warning: .*slower/);
  const wasm = await initBackend({ backend: 'wasm' });
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(wasm.choice, 'wasm');
});

test('initBackend rejects unknown names and unavailable backends with the reason', async () => {
  await assert.rejects(
    initBackend({ backend: 'tpu' as never }),
    (e: unknown) =>
      e instanceof BackendUnavailableError && /unknown backend in opts.backend/.test(e.message),
  );
  let hasNode = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    hasNode = false;
  }
  if (!hasNode) {
    await assert.rejects(
      initBackend({ backend: 'tensorflow' }),
      /backend 'tensorflow' is unavailable: @tensorflow\/tfjs-node is not installed/,
    );
  }
  await initBackend({ backend: 'wasm' });
});

test('ABD_BACKEND forces the backend, ABD_NATIVE=0 disables the native kernels (fresh process)', () => {
  const script = [
    "const { initBackend } = require('./backend');",
    'initBackend().then((i) => console.log(JSON.stringify({ b: i.backend, n: i.native.reason })));',
  ].join('\n');
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: __dirname,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr.slice(0, 500));
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { b: string; n?: string };
  };
  assert.equal(run({ ABD_BACKEND: 'cpu' }).b, 'cpu');
  assert.deepEqual(run({ ABD_BACKEND: 'wasm', ABD_NATIVE: '0' }), {
    b: 'wasm',
    n: 'disabled by ABD_NATIVE=0',
  });
});
