import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ArtifactStore, validateKey } from '@abd/artifacts';
import { authorize } from './auth';
import {
  BoundaryCache,
  computeBoundaries,
  StudentCheckpoint,
  STUDENT_CHECKPOINTS,
  studentCheckpointDir,
} from './boundaries';
import { boundaryBody, boundaryForm } from './boundary-page';
import { esc, href, page } from './html';
import {
  comparePage,
  extOf,
  isReportKey,
  notFoundPage,
  REPORT_TYPES,
  resultsPage,
  runPage,
  runsPage,
} from './pages';
import { HttpError, notFound, send } from './respond';
import { ID_PATTERN, listRuns, loadRun } from './store-view';

export interface UiServerOptions {
  store: ArtifactStore;
  /** Where relative teacher checkpoint paths of configs resolve (the repository root). */
  repoRoot: string;
  host?: string;
  port?: number;
  /**
   * Bearer token every request must carry (`Authorization: Bearer …`, or `?token=…` once per
   * browser); the gRPC services' `authTokenFromEnv()`. Undefined = no auth (a local `abd ui`).
   */
  token?: string;
  log?: (line: string) => void;
}

export interface UiServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * `abd ui` and the evaluator's `http-ui` port: a read-only web view of an artifact store — runs
 * and jobs, curves, results, and the activation boundaries of teacher and student on a test
 * image. Only GET/HEAD; every id in a path is checked against the ids the store lists, so
 * nothing outside the store is ever read. With a token, every request must carry it (auth.ts).
 */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const cache = new BoundaryCache(o.store, o.repoRoot);
  const log = o.log ?? (() => {});
  const server = createServer((req, res) => {
    guarded(o, cache, req, res).catch((e: Error) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) log(`abd ui: ${req.method} ${req.url}: ${e.stack ?? e.message}`);
      const msg = status === 500 ? 'Internal error (the detail is in the server log).' : e.message;
      send(
        res,
        status,
        'text/html; charset=utf-8',
        status === 404
          ? notFoundPage(msg)
          : page(`Error ${status}`, `<h1>Error ${status}</h1><p>${esc(msg)}</p>`),
        req.method === 'HEAD',
      );
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolveListen());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          cache.dispose();
          r();
        });
      }),
  };
}

function segmentsOf(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    throw notFound('malformed path');
  }
}

/** Auth (before anything else, even the 405 of a write), then the pages. */
async function guarded(
  o: UiServerOptions,
  cache: BoundaryCache,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://ui.invalid');
  const auth = authorize(o.token, req, url);
  if (auth.kind === 'redirect')
    return send(res, 303, 'text/plain; charset=utf-8', '', true, {
      Location: auth.location,
      'Set-Cookie': auth.setCookie,
    });
  if (auth.kind === 'denied') {
    const body = page(
      'Unauthorized',
      `<h1>Unauthorized</h1><p>${esc(auth.reason)}: this view needs the bearer token of the services (header <code>Authorization: Bearer …</code>, or open it once as <code>/?token=…</code>).</p>`,
    );
    return send(res, 401, 'text/html; charset=utf-8', body, req.method === 'HEAD', {
      'WWW-Authenticate': 'Bearer realm="abd ui"',
    });
  }
  return handle(o, cache, req, res, url);
}

async function handle(
  o: UiServerOptions,
  cache: BoundaryCache,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new HttpError(405, 'this view is read-only (GET only)');
  const seg = segmentsOf(url.pathname);
  const head = req.method === 'HEAD';
  const html = (body: string) => send(res, 200, 'text/html; charset=utf-8', body, head);
  const { store } = o;
  if (seg.length === 0) {
    const { runs, jobs } = await listRuns(store);
    return html(runsPage(runs, jobs, store.url));
  }
  if (seg[0] === 'results' && seg.length === 1)
    return html(await resultsPage(store, (await listRuns(store)).runs, o.repoRoot));
  if (seg[0] === 'compare' && seg.length === 1) {
    const ids = [...new Set(url.searchParams.getAll('run'))];
    const runs = [];
    for (const id of ids) runs.push((await loadRun(store, id)) ?? unknownRun(id));
    return html(await comparePage(store, runs));
  }
  if ((seg[0] === 'reports' || seg[0] === 'repro') && seg.length > 1) {
    const key = seg.join('/');
    const type = REPORT_TYPES[extOf(key)];
    let ok = false;
    try {
      ok = isReportKey(key) && validateKey(key) === key && (await store.stat(key)) !== null;
    } catch {
      ok = false;
    }
    if (!ok) throw notFound(`no report '${key}' in the store`);
    return send(res, 200, type, await store.get(key), head);
  }
  if (seg[0] === 'runs' && (seg.length === 2 || (seg.length === 3 && seg[2] === 'boundaries'))) {
    const run = (await loadRun(store, seg[1])) ?? unknownRun(seg[1]);
    if (seg.length === 2) return html(await runPage(store, run, o.repoRoot));
    return html(await boundaryPage(o, cache, run, url.searchParams));
  }
  throw notFound(`no page at ${url.pathname}`);
}

function unknownRun(id: string): never {
  throw notFound(ID_PATTERN.test(id) ? `no run '${id}' in the store` : 'not a run id');
}

async function boundaryPage(
  o: UiServerOptions,
  cache: BoundaryCache,
  run: NonNullable<Awaited<ReturnType<typeof loadRun>>>,
  q: URLSearchParams,
): Promise<string> {
  const title = `Boundaries · ${run.id}`;
  const back = `<p><a href="${href('runs', run.id)}">← run ${esc(run.id)}</a></p>`;
  // '+' in a query string reads as a space; method names use '+' (ab+kd).
  const method = (
    q.get('method') ??
    run.methods.find((m) => m.startsWith('ab+')) ??
    run.methods[0] ??
    ''
  ).replace(/ /g, '+');
  if (!run.methods.includes(method)) throw notFound(`run '${run.id}' has no method '${method}'`);
  const ckptParam = q.get('ckpt');
  if (ckptParam !== null && !(STUDENT_CHECKPOINTS as readonly string[]).includes(ckptParam))
    throw notFound(`unknown checkpoint '${ckptParam}' (ab-init or final)`);
  let ckpt = (ckptParam ?? (method.startsWith('ab+') ? 'ab-init' : 'final')) as StudentCheckpoint;
  if (!run.config)
    return page(
      title,
      `${back}<h1>Boundaries</h1><p>The run's config is not in the store yet (it is saved with the teacher or the first finished student).</p>`,
    );
  const { test } = await cache.data(run.config);
  const raw = q.get('image') ?? '0';
  const index = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(index >= 0 && index < test.n))
    throw notFound(`test image '${raw}' does not exist (0…${test.n - 1})`);
  let dir = await studentCheckpointDir(o.store, run.id, method, ckpt);
  if (!dir && ckptParam === null && ckpt === 'ab-init') {
    ckpt = 'final';
    dir = await studentCheckpointDir(o.store, run.id, method, ckpt);
  }
  const form = boundaryForm({
    runId: run.id,
    methods: run.methods,
    method,
    ckpt,
    index,
    testSize: test.n,
  });
  const h1 = `<h1>Activation boundaries · ${esc(run.id)} · ${esc(method)}</h1>`;
  if (!dir)
    return page(
      title,
      `${back}${h1}${form}<p>No '${esc(ckpt)}' checkpoint of ${esc(method)} in the store yet.</p>`,
    );
  const view = await computeBoundaries(cache, run.id, run.config, dir, index);
  return page(title, `${back}${h1}${form}${boundaryBody(view, ckpt)}`);
}
