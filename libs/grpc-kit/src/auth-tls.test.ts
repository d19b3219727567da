import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { health } from '@abd/proto';
import { authTokenFromEnv } from './auth';
import { makeClient } from './client';
import { silentLogger } from './logger';
import { startServer } from './server';
import { serverTlsFromEnv } from './tls';
import { call, failure } from './test-support/calls';
import { echoService, EchoClient } from './test-support/echo-service';

const base = { port: 0, host: '127.0.0.1', log: silentLogger, reflection: false as const };

test('bearer token: missing or wrong → UNAUTHENTICATED, right → OK, health exempt', async () => {
  const s = await startServer({
    ...base,
    services: [echoService(silentLogger)],
    auth: { token: 's3cret-token' },
    tls: null,
  });
  const addr = `127.0.0.1:${s.port}`;
  try {
    const anon = makeClient(EchoClient, addr);
    const missing = await failure(call(anon, 'Say', { text: 'x', mode: 'ok' }));
    assert.equal(missing.code, status.UNAUTHENTICATED);
    assert.match(missing.details, /missing bearer token/);
    const md = new Metadata();
    md.set('authorization', 'Bearer s3cret-tokeN');
    const wrong = await failure(call(anon, 'Say', { text: 'x', mode: 'ok' }, { metadata: md }));
    assert.equal(wrong.code, status.UNAUTHENTICATED);
    assert.equal(wrong.details, 'invalid bearer token');

    const h = makeClient(health.HealthClient, addr);
    const r = await new Promise<health.HealthCheckResponse>((res, rej) =>
      h.check({ service: '' }, (e, v) => (e ? rej(e) : res(v))),
    );
    assert.equal(r.status, health.HealthCheckResponse_ServingStatus.SERVING);

    const authed = makeClient(EchoClient, addr, { token: 's3cret-token' });
    assert.deepEqual(await call(authed, 'Say', { text: 'ok', mode: 'ok' }), { text: 'ok' });
    for (const c of [anon, h, authed]) c.close();
  } finally {
    await s.shutdown(500);
  }
});

test('token from ABD_AUTH_TOKEN or a mounted file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'abd-tok-'));
  try {
    writeFileSync(join(dir, 'token'), 'from-file\n');
    assert.equal(authTokenFromEnv({}), undefined);
    assert.equal(authTokenFromEnv({ ABD_AUTH_TOKEN: 'direct' }), 'direct');
    assert.equal(authTokenFromEnv({ ABD_AUTH_TOKEN_FILE: join(dir, 'token') }), 'from-file');
    writeFileSync(join(dir, 'empty'), '\n');
    assert.throws(() => authTokenFromEnv({ ABD_AUTH_TOKEN_FILE: join(dir, 'empty') }), /empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

// A CA, a server cert for 127.0.0.1/localhost and a client cert, all signed by the CA.
function makePki(dir: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=abd-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    openssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${who === 'server' ? 'localhost' : 'abd-client'}`,
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${who}.crt`,
      ...(who === 'server' ? ['-extfile', 'san.ext'] : []),
    ]);
  }
}

test(
  'TLS and mutual TLS from env files',
  { skip: !hasOpenssl && 'openssl not installed' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abd-tls-'));
    try {
      makePki(dir);
      const f = (n: string): string => join(dir, n);
      const ca = readFileSync(f('ca.crt'));

      const tls = serverTlsFromEnv({ ABD_TLS_CERT: f('server.crt'), ABD_TLS_KEY: f('server.key') });
      const s = await startServer({
        ...base,
        services: [echoService(silentLogger)],
        auth: null,
        tls,
      });
      const addr = `127.0.0.1:${s.port}`;
      const secure = makeClient(EchoClient, addr, { tls: { ca } });
      assert.deepEqual(await call(secure, 'Say', { text: 'tls', mode: 'ok' }), { text: 'tls' });
      const plain = makeClient(EchoClient, addr);
      const e = await failure(
        call(plain, 'Say', { text: 'x', mode: 'ok' }, { deadline: new Date(Date.now() + 2000) }),
      );
      assert.ok([status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(e.code));
      secure.close();
      plain.close();
      await s.shutdown(500);

      const mtls = serverTlsFromEnv({
        ABD_TLS_CERT: f('server.crt'),
        ABD_TLS_KEY: f('server.key'),
        ABD_TLS_CLIENT_CA: f('ca.crt'),
      });
      const m = await startServer({
        ...base,
        services: [echoService(silentLogger)],
        auth: null,
        tls: mtls,
      });
      const maddr = `127.0.0.1:${m.port}`;
      const withCert = makeClient(EchoClient, maddr, {
        tls: { ca, cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) },
      });
      assert.deepEqual(await call(withCert, 'Say', { text: 'mtls', mode: 'ok' }), { text: 'mtls' });
      const noCert = makeClient(EchoClient, maddr, { tls: { ca } });
      const e2 = await failure(
        call(noCert, 'Say', { text: 'x', mode: 'ok' }, { deadline: new Date(Date.now() + 2000) }),
      );
      assert.ok(
        [status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(e2.code),
        `code ${e2.code}`,
      );
      withCert.close();
      noCert.close();
      await m.shutdown(500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
