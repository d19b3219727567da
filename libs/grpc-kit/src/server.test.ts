import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { health } from '@abd/proto';
import { INTERNAL_MESSAGE } from './errors';
import type { Logger } from './logger';
import { makeClient } from './client';
import { startServer, type RunningServer } from './server';
import { call, failure } from './test-support/calls';
import { echoService, EchoClient, type EchoProbe } from './test-support/echo-service';

const logged: string[] = [];
const log: Logger = {
  info: () => {},
  warn: () => {},
  error: (m, f) => void logged.push(`${m} ${JSON.stringify(f)}`),
};
let running: RunningServer;
let probe: EchoProbe;
let client: Client;
const addr = (): string => `127.0.0.1:${running.port}`;

before(async () => {
  const echo = echoService(log);
  probe = echo.probe;
  running = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [echo],
    log,
    auth: null,
    tls: null,
    maxMessageBytes: 64 * 1024,
  });
  client = makeClient(EchoClient, addr());
});
after(async () => {
  client.close();
  await running.shutdown(1000);
});

test('binds a real port and health Check says SERVING for the server and the service', async () => {
  assert.ok(running.port > 0);
  const h = makeClient(health.HealthClient, addr());
  const all = await new Promise<health.HealthCheckResponse>((res, rej) =>
    h.check({ service: '' }, (e, r) => (e ? rej(e) : res(r))),
  );
  assert.equal(all.status, health.HealthCheckResponse_ServingStatus.SERVING);
  const one = await new Promise<health.HealthCheckResponse>((res, rej) =>
    h.check({ service: 'abdtest.v1.Echo' }, (e, r) => (e ? rej(e) : res(r))),
  );
  assert.equal(one.status, health.HealthCheckResponse_ServingStatus.SERVING);
  const unknown = await failure(
    new Promise((res, rej) => h.check({ service: 'nope.Svc' }, (e, r) => (e ? rej(e) : res(r)))),
  );
  assert.equal(unknown.code, status.NOT_FOUND);
  h.close();
});

test('health Watch streams the current status and every change', async () => {
  const h = makeClient(health.HealthClient, addr());
  const stream = h.watch({ service: 'abdtest.v1.Echo' });
  const seen: number[] = [];
  stream.on('data', (r: health.HealthCheckResponse) => seen.push(r.status));
  stream.on('error', () => {});
  for (let i = 0; i < 100 && seen.length < 1; i++) await sleep(10);
  running.health.set('abdtest.v1.Echo', false);
  for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(10);
  running.health.set('abdtest.v1.Echo', true);
  for (let i = 0; i < 100 && seen.length < 3; i++) await sleep(10);
  const S = health.HealthCheckResponse_ServingStatus;
  assert.deepEqual(seen, [S.SERVING, S.NOT_SERVING, S.SERVING]);
  stream.cancel();
  h.close();
});

test('reflection lists the abd.v1 services and health', async () => {
  const pkg = loadSync('grpc/reflection/v1/reflection.proto', {
    includeDirs: [
      require.resolve('@grpc/reflection/package.json').replace('package.json', 'build/proto'),
    ],
    keepCase: true,
  });
  const Ctor = (
    loadPackageDefinition(pkg) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
    }
  ).grpc.reflection.v1.ServerReflection;
  const r = new Ctor(addr(), credentials.createInsecure());
  const stream = (
    r as unknown as Record<string, () => NodeJS.ReadWriteStream & { end(): void }>
  ).ServerReflectionInfo();
  stream.write({ list_services: '*' } as unknown as string);
  const [msg] = (await once(stream, 'data')) as [
    { list_services_response: { service: Array<{ name: string }> } },
  ];
  stream.write({ file_containing_symbol: 'abd.v1.TeacherInference' } as unknown as string);
  const [desc] = (await once(stream, 'data')) as [
    { file_descriptor_response?: { file_descriptor_proto: Buffer[] } },
  ];
  stream.end();
  assert.ok(
    (desc.file_descriptor_response?.file_descriptor_proto.length ?? 0) > 0,
    'describe returns descriptors',
  );
  const names = msg.list_services_response.service.map((s) => s.name);
  for (const n of [
    'abd.v1.TeacherInference',
    'abd.v1.BoundaryExtractor',
    'abd.v1.StudentTrainer',
    'abd.v1.Evaluator',
    'grpc.health.v1.Health',
  ]) {
    assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
  }
  r.close();
});

test('each domain error maps to its status with its message; the rest to INTERNAL', async () => {
  const cases: Array<[string, status, string | RegExp]> = [
    ['not-found', status.NOT_FOUND, 'model m not found'],
    ['invalid', status.INVALID_ARGUMENT, 'images.shape: expected 4 dimensions'],
    ['exhausted', status.RESOURCE_EXHAUSTED, 'too many jobs'],
    ['unauth', status.UNAUTHENTICATED, 'who are you'],
    ['precondition', status.FAILED_PRECONDITION, 'job is not running'],
    ['store-not-found', status.NOT_FOUND, "artifact not found: 'models/x'"],
    ['invalid-key', status.INVALID_ARGUMENT, 'invalid artifact key "../x"'],
    ['coded', status.NOT_FOUND, 'no such method "abc"'],
    ['crash', status.INTERNAL, INTERNAL_MESSAGE],
  ];
  for (const [mode, code, details] of cases) {
    const e = await failure(call(client, 'Say', { text: 'm', mode }));
    assert.equal(e.code, code, mode);
    assert.equal(e.details, details, mode);
  }
  assert.ok(
    logged.some((l) => l.includes('secret /internal/path exploded')),
    'internal detail is logged',
  );
  // Still serving after all that.
  assert.deepEqual(await call(client, 'Say', { text: 'still here', mode: 'ok' }), {
    text: 'still here',
  });
});

test('errors on a bidi stream are mapped too', async () => {
  const s = (
    client as unknown as Record<string, () => NodeJS.ReadWriteStream & { end(): void }>
  ).Chat();
  const got: string[] = [];
  s.on('data', (r: { text: string }) => got.push(r.text));
  s.write({ text: 'a', mode: 'ok' } as unknown as string);
  s.write({ text: 'b', mode: 'invalid' } as unknown as string);
  const [err] = (await once(s, 'error')) as [ServiceError];
  assert.deepEqual(got, ['a']);
  assert.equal(err.code, status.INVALID_ARGUMENT);
  assert.equal(err.details, 'images.shape: expected 4 dimensions');
});

test('a deadline fires the handler signal and the client sees DEADLINE_EXCEEDED', async () => {
  const before = probe.aborts.length;
  const e = await failure(
    call(client, 'Say', { text: 'x', mode: 'wait' }, { deadline: new Date(Date.now() + 150) }),
  );
  assert.equal(e.code, status.DEADLINE_EXCEEDED);
  for (let i = 0; i < 100 && probe.aborts.length === before; i++) await sleep(10);
  assert.equal(probe.aborts[before], 'deadline exceeded');
});

test('client cancel fires the signal of a unary handler', async () => {
  const before = probe.aborts.length;
  const fn = (
    client as unknown as Record<
      string,
      (r: unknown, cb: (e: ServiceError | null) => void) => { cancel(): void }
    >
  ).Say;
  const done = new Promise<ServiceError | null>((res) => {
    const c = fn.call(client, { text: 'x', mode: 'wait' }, (e) => res(e));
    setTimeout(() => c.cancel(), 100);
  });
  assert.equal((await done)?.code, status.CANCELLED);
  for (let i = 0; i < 100 && probe.aborts.length === before; i++) await sleep(10);
  assert.equal(probe.aborts[before], 'call cancelled by the client');
});

test('cancelling a server stream stops the generator behind it', async () => {
  const produced0 = probe.ticksProduced;
  const finalized0 = probe.streamFinalized;
  const s = (
    client as unknown as Record<string, (r: unknown) => NodeJS.ReadableStream & { cancel(): void }>
  ).Count({ n: 10000, interval_ms: 5 });
  let got = 0;
  s.on('data', () => {
    got++;
    if (got === 5) s.cancel();
  });
  const [err] = (await once(s, 'error')) as [ServiceError];
  assert.equal(err.code, status.CANCELLED);
  for (let i = 0; i < 200 && probe.streamFinalized === finalized0; i++) await sleep(10);
  assert.equal(probe.streamFinalized, finalized0 + 1, 'generator finally ran');
  const produced = probe.ticksProduced - produced0;
  await sleep(100);
  assert.equal(probe.ticksProduced - produced0, produced, 'no ticks after cancel');
  assert.ok(produced < 100, `produced ${produced} ticks`);
});

test('a server stream runs to completion in order', async () => {
  const s = (client as unknown as Record<string, (r: unknown) => NodeJS.ReadableStream>).Count({
    n: 50,
    interval_ms: 0,
  });
  const got: number[] = [];
  s.on('data', (t: { i: number }) => got.push(t.i));
  await once(s, 'end');
  assert.deepEqual(
    got,
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test('a message over maxMessageBytes fails RESOURCE_EXHAUSTED and the server keeps serving', async () => {
  const e = await failure(
    call(client, 'Say', { text: 'big', mode: 'ok', payload: Buffer.alloc(100 * 1024) }),
  );
  assert.equal(e.code, status.RESOURCE_EXHAUSTED);
  assert.deepEqual(
    await call(client, 'Say', { text: 'small', mode: 'ok', payload: Buffer.alloc(1024) }),
    { text: 'small' },
  );
});

test('shutdown turns health NOT_SERVING and stops the server', async () => {
  const echo = echoService(log);
  const s = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [echo],
    log,
    auth: null,
    tls: null,
    reflection: false,
  });
  const c = makeClient(EchoClient, `127.0.0.1:${s.port}`);
  assert.deepEqual(await call(c, 'Say', { text: 'hi', mode: 'ok' }), { text: 'hi' });
  await s.shutdown(500);
  assert.equal(s.health.get(''), health.HealthCheckResponse_ServingStatus.NOT_SERVING);
  const e = await failure(
    call(c, 'Say', { text: 'hi', mode: 'ok' }, { deadline: new Date(Date.now() + 1000) }),
  );
  assert.ok([status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(e.code), `code ${e.code}`);
  c.close();
});

test('cancelling a bidi stream ends the request iterable and the handler', async () => {
  const before = probe.aborts.length;
  const s = (
    client as unknown as Record<string, () => NodeJS.ReadWriteStream & { cancel(): void }>
  ).Chat();
  s.on('error', () => {});
  s.write({ text: 'a', mode: 'ok' } as unknown as string);
  await once(s, 'data');
  s.write({ text: 'b', mode: 'wait' } as unknown as string);
  await sleep(50);
  s.cancel();
  for (let i = 0; i < 100 && probe.aborts.length === before; i++) await sleep(10);
  assert.equal(probe.aborts[before], 'call cancelled by the client');
});
