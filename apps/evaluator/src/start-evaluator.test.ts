// main's wiring: the evaluator from its environment, gRPC and the web view on 127.0.0.1:0,
// both behind the one bearer token.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { openStore } from '@abd/artifacts';
import { makeClient, silentLogger } from '@abd/grpc-kit';
import { evaluator } from '@abd/proto';
import { tempDir } from '@abd/train/testing';
import { startEvaluator } from './start-evaluator';

const tmp = tempDir('abd-eval-ui-');
const store = openStore(join(tmp.dir, 'store'));
after(() => tmp.cleanup());

const TOKEN = 'cluster-token';
const ENV = { ABD_HOST: '127.0.0.1', ABD_PORT: '0', ABD_AUTH_TOKEN: TOKEN };

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

test("ABD_UI_PORT set: the web view of the same store, behind the gRPC port's token", async () => {
  await store.putJson('jobs/job-e/job.json', { id: 'job-e', state: 'JOB_STATE_RUNNING' });
  const ev = await startEvaluator(store, { ...ENV, ABD_UI_PORT: '0' }, silentLogger);
  try {
    assert.ok(ev.ui, 'the web view is started');
    assert.match(ev.ui.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(Number(new URL(ev.ui.url).port), ev.grpc.port, 'a port of its own');
    assert.equal((await get(`${ev.ui.url}/`)).status, 401);
    assert.equal((await get(`${ev.ui.url}/`, { Authorization: 'Bearer wrong' })).status, 401);
    const ok = await get(`${ev.ui.url}/`, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /job-e/, "it reads the evaluator's store");
    // The gRPC port wants the same token.
    const client = makeClient(evaluator.EvaluatorClient, `127.0.0.1:${ev.grpc.port}`);
    try {
      const e = await new Promise<ServiceError>((res) =>
        client.evaluate(evaluator.EvaluateRequest.fromPartial({ model: { id: 'x' } }), (err) =>
          res(err!),
        ),
      );
      assert.equal(e.code, status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  } finally {
    await ev.shutdown(200);
  }
});

test('ABD_UI_PORT unset: gRPC only; a bad ABD_UI_PORT fails before anything listens', async () => {
  const ev = await startEvaluator(store, ENV, silentLogger);
  try {
    assert.equal(ev.ui, undefined);
    assert.ok(ev.grpc.port > 0);
  } finally {
    await ev.shutdown(200);
  }
  await assert.rejects(
    startEvaluator(store, { ...ENV, ABD_UI_PORT: 'http' }, silentLogger),
    /ABD_UI_PORT/,
  );
});
