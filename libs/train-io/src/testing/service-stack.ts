// The pipeline's services as real processes on 127.0.0.1:0, started from their own entry
// points as `abd up` and the deploy start them, sharing one store directory. An app's tests
// may not import another app, so the services a test calls are started, not imported.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ENV, makeClient, METRICS_PORT_ENV, type ServiceKey } from '@abd/grpc-kit';
import { boundaryExtractor } from '@abd/proto';
import { serviceFixture, type ServiceFixture } from '@abd/train/testing';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
/** How long a service may take to listen (tsx compiles it, the backend loads). */
const START_TIMEOUT_MS = 120_000;
/** How long a SIGTERM'd service may take to stop before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** Env a service would otherwise pick up from the test's environment. */
const CLEARED_ENV = [
  ENV.AUTH_TOKEN,
  ENV.AUTH_TOKEN_FILE,
  ENV.TLS_CERT,
  ENV.TLS_KEY,
  ENV.TLS_CLIENT_CA,
  ENV.TLS_CA,
  ENV.TEACHER_ADDRESSES,
  ENV.EXTRACTOR_ADDRESS,
];

export interface ServiceProcess {
  service: ServiceKey;
  /** host:port of its gRPC server. */
  address: string;
  /** Its Prometheus endpoint (teacher-inference only). */
  metricsUrl?: string;
  child: ChildProcess;
  /** Stops it: SIGTERM (graceful) or SIGKILL (a crash); resolves when it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface ServiceStackOptions {
  /** Data + store; default: a fresh serviceFixture() (removed by stop()). */
  fixture?: ServiceFixture;
  /** Teacher-inference replicas (default 1). */
  teachers?: number;
  /** Start a boundary-extractor over the replicas (default true). */
  extractor?: boolean;
  /** The extractor's window of batches in flight (ABD_EXTRACTOR_WINDOW; default 4). */
  window?: number;
  /** Environment of every replica started with the stack (e.g. its batcher settings). */
  teacherEnv?: Record<string, string>;
}

export interface ServiceStack {
  fx: ServiceFixture;
  teachers: ServiceProcess[];
  extractor?: ServiceProcess;
  /** A client of the extractor (closed by stop()); undefined without one. */
  extractorClient?: boundaryExtractor.BoundaryExtractorClient;
  /** Starts one more teacher-inference replica on the same store (stopped by stop()); `env` e.g. its batcher settings. */
  startTeacher(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Images teacher replica `p` has computed so far (its abd_teacher_images_total counter). */
  teacherImages(p: ServiceProcess): Promise<number>;
  /** Images replica `p` answered with float feature maps (abd_teacher_feature_images_total). */
  teacherFeatureImages(p: ServiceProcess): Promise<number>;
  /** Stops every process, closes the client, removes a fixture it made. */
  stop(): Promise<void>;
}

/** Starts `apps/<service>/src/main.ts`; resolves once it logged its gRPC address (and metrics address, if asked). */
export function startServiceProcess(
  service: ServiceKey,
  storeDir: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of CLEARED_ENV) delete base[k];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(REPO_ROOT, 'apps', service, 'src', 'main.ts')],
    {
      cwd: REPO_ROOT,
      // No metrics listener unless the test asks for one: the default port (9464) is fixed, so
      // a second replica, or anything else on the machine holding it, would stop this one.
      env: {
        ...base,
        [ENV.PORT]: '0',
        [ENV.HOST]: '127.0.0.1',
        [ENV.STORE]: storeDir,
        [METRICS_PORT_ENV]: 'off',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const wantMetrics = env[METRICS_PORT_ENV] !== undefined && env[METRICS_PORT_ENV] !== 'off';
  return new Promise((ok, fail) => {
    const tail: string[] = [];
    let address: string | undefined;
    let metrics: string | undefined;
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      fail(
        new Error(`${service} did not listen within ${START_TIMEOUT_MS} ms:\n${tail.join('\n')}`),
      );
    }, START_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(
        new Error(`${service} exited (${code ?? signal}) before it listened:\n${tail.join('\n')}`),
      );
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (tail.push(line) > 40) tail.shift();
      let rec: { message?: string; address?: string };
      try {
        rec = JSON.parse(line) as { message?: string; address?: string };
      } catch {
        return;
      }
      if (rec.message === 'listening') address = rec.address;
      if (rec.message === 'metrics listening')
        metrics = rec.address?.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
      if (address && (!wantMetrics || metrics)) {
        clearTimeout(timer);
        ok({ service, address, metricsUrl: metrics && `http://${metrics}/metrics`, child, stop });
      }
    });
  });
}

/** The value of an unlabelled counter in Prometheus text. */
function counter(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in the metrics`);
  return Number(m[1]);
}

/** Teacher-inference replicas (+ a boundary-extractor over them) on a store holding teacher `teacher-a`. */
export async function startServiceStack(o: ServiceStackOptions = {}): Promise<ServiceStack> {
  const fx = o.fixture ?? (await serviceFixture());
  const procs: ServiceProcess[] = [];
  const startTeacher = async (env: Record<string, string> = {}): Promise<ServiceProcess> => {
    const p = await startServiceProcess('teacher-inference', fx.storeDir, {
      [METRICS_PORT_ENV]: '0',
      ...env,
    });
    procs.push(p);
    return p;
  };
  let client: boundaryExtractor.BoundaryExtractorClient | undefined;
  const stop = async (): Promise<void> => {
    client?.close();
    await Promise.all(procs.map((p) => p.stop()));
    if (!o.fixture) fx.cleanup();
  };
  try {
    const teachers = await Promise.all(
      Array.from({ length: o.teachers ?? 1 }, () => startTeacher(o.teacherEnv)),
    );
    let extractor: ServiceProcess | undefined;
    if (o.extractor ?? true) {
      extractor = await startServiceProcess('boundary-extractor', fx.storeDir, {
        [ENV.TEACHER_ADDRESSES]: teachers.map((t) => t.address).join(','),
        ABD_EXTRACTOR_WINDOW: String(o.window ?? 4),
      });
      procs.push(extractor);
      client = makeClient(boundaryExtractor.BoundaryExtractorClient, extractor.address);
    }
    const metric = async (p: ServiceProcess, name: string): Promise<number> => {
      if (!p.metricsUrl) throw new Error(`${p.service} serves no metrics`);
      const res = await fetch(p.metricsUrl);
      return counter(await res.text(), name);
    };
    return {
      fx,
      teachers,
      extractor,
      extractorClient: client,
      startTeacher,
      teacherImages: (p) => metric(p, 'abd_teacher_images_total'),
      teacherFeatureImages: (p) => metric(p, 'abd_teacher_feature_images_total'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
