import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { makeClient } from './client';
import { call, failure } from './test-support/calls';
import { EchoClient } from './test-support/echo-service';

test('SIGTERM: in-flight calls get the grace period, then the process exits 0', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'test-support/signal-child.ts')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    let out = '';
    while (!/PORT (\d+)/.test(out)) {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      out += chunk.toString();
    }
    const port = Number(/PORT (\d+)/.exec(out)![1]);
    const c = makeClient(EchoClient, `127.0.0.1:${port}`);
    assert.deepEqual(await call(c, 'Say', { text: 'up', mode: 'ok' }), { text: 'up' });
    // A call that never finishes on its own: cut after the 300 ms grace period.
    const pending = failure(call(c, 'Say', { text: 'x', mode: 'wait' }));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - t0 >= 250, 'waited for the grace period');
    const e = await pending;
    assert.ok(
      [status.UNAVAILABLE, status.CANCELLED, status.INTERNAL].includes(e.code),
      `code ${e.code}`,
    );
    assert.match(stderr, /shutting down/);
    c.close();
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
