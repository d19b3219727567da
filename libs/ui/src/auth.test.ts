// The web view's bearer token, over real HTTP against a real (small) store; no browser needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { tempDir } from '@abd/train/testing';
import { startUiServer, UiServer } from './server';

const TOKEN = 's3cret-token';
const tmp = tempDir('abd-ui-auth-');
let open: UiServer;
let locked: UiServer;

before(async () => {
  const store = openStore(join(tmp.dir, 'store'));
  await store.putJson('jobs/job-a/job.json', { id: 'job-a', state: 'JOB_STATE_QUEUED' });
  open = await startUiServer({ store, repoRoot: tmp.dir });
  locked = await startUiServer({ store, repoRoot: tmp.dir, token: TOKEN });
});

after(async () => {
  await open?.close();
  await locked?.close();
  tmp.cleanup();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw request (the path is sent as is). */
function get(
  ui: UiServer,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  const u = new URL(ui.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

test('without a configured token the view is open (a local `abd ui`)', async () => {
  const r = await get(open, '/');
  assert.equal(r.status, 200);
  assert.match(r.body, /job-a/);
});

test('with a token: 401 without it or with a wrong one, 200 with the bearer header', async () => {
  for (const [what, headers] of [
    ['no header', {}],
    ['wrong token', { Authorization: 'Bearer nope' }],
    ['token prefix', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['not bearer', { Authorization: `Basic ${TOKEN}` }],
    ['forged cookie', { Cookie: `abd_ui=${TOKEN}` }],
  ] as const) {
    const r = await get(locked, '/', headers);
    assert.equal(r.status, 401, what);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="abd ui"');
    assert.doesNotMatch(r.body, /job-a/, `${what}: nothing of the store leaks`);
  }
  // Every path, every method, even unknown ones: auth comes first.
  assert.equal((await get(locked, '/runs/nope')).status, 401);
  assert.equal((await get(locked, '/', {}, 'POST')).status, 401);
  const ok = await get(locked, '/', { Authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /job-a/);
  assert.equal((await get(locked, '/runs/nope', { Authorization: `bearer ${TOKEN}` })).status, 404);
  assert.equal((await get(locked, '/', { Authorization: `Bearer ${TOKEN}` }, 'POST')).status, 405);
});

test('?token= trades the token for an HttpOnly cookie and drops it from the URL', async () => {
  assert.equal((await get(locked, '/?token=wrong')).status, 401);
  const r = await get(locked, `/compare?run=a&token=${TOKEN}`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/compare?run=a');
  const [cookie] = r.headers['set-cookie'] as string[];
  assert.match(cookie, /^abd_ui=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.ok(!cookie.includes(TOKEN), 'the cookie is not the token itself');
  const pair = cookie.split(';')[0];
  const page = await get(locked, '/', { Cookie: `other=1; ${pair}` });
  assert.equal(page.status, 200);
  assert.match(page.body, /job-a/);
  // A path that parses as '//host' must not become an absolute redirect (open redirect).
  const odd = await get(locked, `/x/..//evil.example/?token=${TOKEN}`);
  assert.equal(odd.status, 303);
  assert.equal(odd.headers.location, '/evil.example/');
});
