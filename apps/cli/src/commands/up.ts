import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import {
  DEFAULT_METRICS_PORT,
  ENV,
  METRICS_PORT_ENV,
  SERVICE_PORTS,
  type ServiceKey,
} from '@abd/grpc-kit';
import { checkFlags, num, ParsedArgs, str } from '../args';
import { DEFAULT_STORE, REPO_ROOT } from '../context';

export const UP_FLAGS = ['store', 'host', 'teachers', 'port-base'] as const;

/**
 * `abd up`: the four services on this machine (N teacher replicas on consecutive ports), one
 * process each, sharing a store. Ctrl-C stops them all (SIGTERM: graceful shutdown).
 */
export async function upCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, UP_FLAGS, 'up');
  const store = str(args, 'store') ?? process.env[ENV.STORE] ?? DEFAULT_STORE;
  const host = str(args, 'host') ?? '127.0.0.1';
  const replicas = num(args, 'teachers') ?? 2;
  const base = num(args, 'port-base');
  const port = (k: ServiceKey) =>
    base !== undefined ? base + Object.keys(SERVICE_PORTS).indexOf(k) : SERVICE_PORTS[k];
  const teacherPorts = Array.from({ length: replicas }, (_, i) =>
    i === 0 ? port('teacher-inference') : port('teacher-inference') + 10 + i,
  );
  const children: ChildProcess[] = [];
  const start = (svc: ServiceKey, p: number, env: Record<string, string> = {}) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(REPO_ROOT, 'apps', svc, 'src', 'main.ts')],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          [ENV.PORT]: String(p),
          [ENV.HOST]: host,
          [ENV.STORE]: store,
          ...env,
        },
      },
    );
    child.on('exit', (code) => console.log(`abd up: ${svc} (:${p}) exited with ${code}`));
    children.push(child);
    console.log(`abd up: ${svc} on ${host}:${p}`);
  };
  // Each replica its own Prometheus port (9464, 9465, … or after the gRPC ports with --port-base).
  const metricsPort = (i: number) =>
    base !== undefined ? base + 20 + i : DEFAULT_METRICS_PORT + i;
  for (const [i, p] of teacherPorts.entries()) {
    start('teacher-inference', p, { [METRICS_PORT_ENV]: String(metricsPort(i)) });
    console.log(
      `abd up: teacher-inference (:${p}) metrics on http://${host}:${metricsPort(i)}/metrics`,
    );
  }
  start('boundary-extractor', port('boundary-extractor'), {
    [ENV.TEACHER_ADDRESSES]: teacherPorts.map((p) => `${host}:${p}`).join(','),
  });
  start('student-trainer', port('student-trainer'), {
    [ENV.EXTRACTOR_ADDRESS]: `${host}:${port('boundary-extractor')}`,
  });
  start('evaluator', port('evaluator'));
  console.log(`abd up: store ${store}; Ctrl-C stops all`);
  await new Promise<void>((done) => {
    const stop = () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let left = children.length;
    for (const c of children) c.on('exit', () => --left === 0 && done());
  });
}
