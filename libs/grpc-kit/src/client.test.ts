import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from './logger';
import { makeClient, toTarget } from './client';
import {
  DEFAULT_UI_PORT,
  SERVICE_PORTS,
  portFromEnv,
  GRPC_SERVICE_NAMES,
  SERVICE_KEYS,
  uiPortFromEnv,
} from './ports';
import { startServer } from './server';
import { call } from './test-support/calls';
import { echoService, EchoClient } from './test-support/echo-service';
import { unary } from './handlers';

test('toTarget: one address as is, IP lists as ipv4:/ipv6: URIs, host lists refused', () => {
  assert.equal(toTarget('dns:///teacher-inference:50051'), 'dns:///teacher-inference:50051');
  assert.equal(toTarget('127.0.0.1:1, 127.0.0.1:2'), 'ipv4:127.0.0.1:1,127.0.0.1:2');
  assert.equal(toTarget(['[::1]:1', '[::1]:2']), 'ipv6:[::1]:1,[::1]:2');
  assert.throws(() => toTarget(['a:1', 'b:2']), /dns:/);
  assert.throws(() => toTarget(''), /no address/);
});

test('round robin spreads calls over every replica', async () => {
  const servers = [];
  const hits = [0, 0];
  for (const i of [0, 1]) {
    const echo = echoService(silentLogger);
    const say = unary<{ text: string }, { text: string }>((r) => {
      hits[i]++;
      return { text: `${i}` };
    });
    servers.push(
      await startServer({
        port: 0,
        host: '127.0.0.1',
        log: silentLogger,
        auth: null,
        tls: null,
        reflection: false,
        services: [
          { definition: echo.definition, implementation: { ...echo.implementation, Say: say } },
        ],
      }),
    );
  }
  const c = makeClient(
    EchoClient,
    servers.map((s) => `127.0.0.1:${s.port}`),
    { roundRobin: true },
  );
  try {
    for (let i = 0; i < 20; i++) await call(c, 'Say', { text: 'x', mode: 'ok' });
    assert.ok(hits[0] >= 5 && hits[1] >= 5, `hits ${hits}`);
  } finally {
    c.close();
    for (const s of servers) await s.shutdown(500);
  }
});

test('ports: the four services, distinct defaults, ABD_PORT override validated', () => {
  assert.deepEqual(SERVICE_PORTS, {
    'teacher-inference': 50051,
    'boundary-extractor': 50052,
    'student-trainer': 50053,
    evaluator: 50054,
  });
  assert.equal(new Set(Object.values(SERVICE_PORTS)).size, 4);
  assert.deepEqual(Object.keys(GRPC_SERVICE_NAMES), SERVICE_KEYS);
  assert.equal(portFromEnv('evaluator', {}), 50054);
  assert.equal(portFromEnv('evaluator', { ABD_PORT: '0' }), 0);
  assert.throws(() => portFromEnv('evaluator', { ABD_PORT: '70000' }), /ABD_PORT/);
  // The web view: off unless ABD_UI_PORT is set; its default port differs from the gRPC ones.
  assert.ok(!Object.values(SERVICE_PORTS).includes(DEFAULT_UI_PORT as never));
  assert.equal(uiPortFromEnv({}), undefined);
  assert.equal(uiPortFromEnv({ ABD_UI_PORT: '' }), undefined);
  assert.equal(uiPortFromEnv({ ABD_UI_PORT: '8080' }), 8080);
  assert.throws(() => uiPortFromEnv({ ABD_UI_PORT: 'http' }), /ABD_UI_PORT/);
});
